using System.Diagnostics.CodeAnalysis;

namespace OpenIvs.Server.Resources;

/// <summary>An IVS ARN: <c>arn:aws:ivs:{region}:{account}:{type}/{id}</c>.</summary>
public readonly record struct IvsArn(string Region, string Account, string Type, string Id)
{
    public override string ToString() => $"arn:aws:ivs:{Region}:{Account}:{Type}/{Id}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out IvsArn? arn)
    {
        arn = null;
        if (text is null || !text.StartsWith("arn:aws:ivs:", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text.Split(':');
        if (parts.Length != 6)
        {
            return false;
        }

        var slash = parts[5].IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == parts[5].Length - 1)
        {
            return false;
        }

        arn = new IvsArn(parts[3], parts[4], parts[5][..slash], parts[5][(slash + 1)..]);
        return true;
    }
}
