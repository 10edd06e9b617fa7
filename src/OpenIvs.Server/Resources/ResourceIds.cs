using System.Security.Cryptography;

namespace OpenIvs.Server.Resources;

/// <summary>Identifiers in IVS's formats, from a cryptographic random source.</summary>
public static class ResourceIds
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string UpperAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>A resource id: 12 alphanumerics, e.g. <c>bKgfhWMG8tpi</c>.</summary>
    public static string NewResourceId() => RandomNumberGenerator.GetString(Alphanumerics, 12);

    /// <summary>A stream id: <c>st-</c> plus 23 alphanumerics.</summary>
    public static string NewStreamId() => "st-" + RandomNumberGenerator.GetString(Alphanumerics, 23);

    /// <summary>A stream key value: <c>sk_{region}_{keyId}_{30 alphanumerics}</c>.</summary>
    public static string NewStreamKeyValue(string region, string keyId) =>
        $"sk_{region}_{keyId}_{RandomNumberGenerator.GetString(Alphanumerics, 30)}";

    /// <summary>The 12 lowercase hex characters that prefix a channel's ingest and playback host names.</summary>
    public static string NewEndpointPrefix() => RandomNumberGenerator.GetHexString(12, lowercase: true);

    /// <summary>An SRT passphrase: 79 alphanumerics, the SRT maximum (IVS's are that long).</summary>
    public static string NewSrtPassphrase() => RandomNumberGenerator.GetString(Alphanumerics, 79);

    /// <summary>An ad break id: 12 alphanumerics (the model's AdBreakId is exactly 12 long).</summary>
    public static string NewAdBreakId() => RandomNumberGenerator.GetString(Alphanumerics, 12);

    /// <summary>An access key id in AWS's shape: <c>AKIA</c> plus 16 upper-case alphanumerics.</summary>
    public static string NewAccessKeyId(string prefix = "AKIA") => prefix + RandomNumberGenerator.GetString(UpperAlphanumerics, 16);

    /// <summary>A 40-character secret access key.</summary>
    public static string NewSecretAccessKey() =>
        RandomNumberGenerator.GetString(Alphanumerics + "+/", 40);
}
