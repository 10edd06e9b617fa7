using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Hosting;

/// <summary>
/// HTTPS for the API, playback and console (IVS serves them over HTTPS only): a listener of its own beside
/// <see cref="OpenIvsOptions.Http"/>, with a certificate file that is read again when it changes.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>HTTPS listener <c>HOST:PORT</c>; empty: no HTTPS. Playback URLs then use it (unless Public.PlaybackBaseUrl says otherwise).</summary>
    public string Https { get; set; } = string.Empty;

    /// <summary>PEM (certificate chain, with the key or beside <see cref="CertificateKey"/>) or PKCS#12 (.pfx, no password) file; empty: the self-signed RTMPS certificate.</summary>
    public string Certificate { get; set; } = string.Empty;

    /// <summary>PEM private key of <see cref="Certificate"/> when it is not in the same file.</summary>
    public string CertificateKey { get; set; } = string.Empty;

    public bool Enabled => Https.Length > 0;

    public IEnumerable<string> Validate()
    {
        if (Enabled && !ListenAddress.TryParse(Https, out _))
        {
            yield return $"Tls.Https '{Https}' is not HOST:PORT (an IP address and a port).";
        }

        if (Certificate.Length > 0 && !File.Exists(Certificate))
        {
            yield return $"Tls.Certificate '{Certificate}' does not exist.";
        }

        if (CertificateKey.Length > 0 && (Certificate.Length == 0 || !File.Exists(CertificateKey)))
        {
            yield return $"Tls.CertificateKey '{CertificateKey}' needs Tls.Certificate and must exist.";
        }
    }
}
