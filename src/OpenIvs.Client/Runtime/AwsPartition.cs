using System.Text.RegularExpressions;

namespace OpenIvs.Client.Runtime;

/// <summary>An AWS partition as the endpoint rules' <c>aws.partition</c> function returns it.</summary>
internal sealed record AwsPartition(
    string Name,
    string DnsSuffix,
    string DualStackDnsSuffix,
    bool SupportsFIPS,
    bool SupportsDualStack,
    string ImplicitGlobalRegion,
    Regex RegionRegex,
    IReadOnlyList<string> Regions);
