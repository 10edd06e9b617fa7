using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenIvs.Server.Ingest;

/// <summary>
/// The TLS certificate of the RTMPS listener: the configured PEM certificate and key, or a self-signed
/// certificate generated on first start into <c>&lt;data-dir&gt;/rtmps.pfx</c> (mode 0600) and reused after.
/// </summary>
public static class RtmpsCertificate
{
    public static X509Certificate2 Load(string dataDirectory, string? certificatePemPath, string? keyPemPath, string host)
    {
        if (!string.IsNullOrEmpty(certificatePemPath))
        {
            return FromPem(certificatePemPath, keyPemPath);
        }

        var path = Path.Combine(dataDirectory, "rtmps.pfx");
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, null);
            if (existing.NotAfter > DateTime.UtcNow.AddDays(7))
            {
                return existing;
            }

            existing.Dispose();
        }

        var created = CreateSelfSigned(host);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        {
            file.Write(created.Export(X509ContentType.Pkcs12));
        }

        return created;
    }

    /// <summary>A PEM certificate (chain) with its key, in the same file or in <paramref name="keyPemPath"/>.</summary>
    public static X509Certificate2 FromPem(string certificatePemPath, string? keyPemPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePemPath, keyPemPath);
        // Re-import so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 CreateSelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}, O=OpenIVS", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        if (IPAddress.TryParse(host, out var address))
        {
            names.AddIpAddress(address);
        }
        else if (host != "localhost")
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
