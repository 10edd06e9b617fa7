namespace OpenIvs.Server.Auth;

/// <summary>
/// How API calls are authenticated (the <c>Authentication</c> setting): <see cref="SigV4"/>, every call signed and
/// authorized with IAM policies; <see cref="None"/>, no authentication at all (benchmarks, throwaway local use).
/// </summary>
public sealed record AuthenticationMode(string Name)
{
    public const string SigV4 = "sigv4";

    public const string None = "none";

    /// <summary>Whether callers must prove who they are (everything but <see cref="None"/>).</summary>
    public bool Required => Name != None;
}
