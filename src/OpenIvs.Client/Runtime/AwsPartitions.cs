namespace OpenIvs.Client.Runtime;

internal static partial class AwsPartitions
{
    /// <summary>The partition of <paramref name="region"/>: listed region, then region pattern, then <c>aws</c>.</summary>
    public static AwsPartition? Resolve(string region)
    {
        foreach (var partition in All)
        {
            if (partition.Regions.Contains(region, StringComparer.Ordinal))
            {
                return partition;
            }
        }

        foreach (var partition in All)
        {
            if (partition.RegionRegex.IsMatch(region))
            {
                return partition;
            }
        }

        return All.First(p => p.Name == "aws");
    }
}
