using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OpenIvs.Server.Hosting;

/// <summary>
/// A server certificate read from a PEM or PKCS#12 file, and read again when the file (or its key file) changes,
/// so a renewed certificate (certbot, a mounted secret) is used by new connections without a restart. Checked at
/// most once a second, as a TLS handshake asks for it; a file that cannot be read (half written) leaves the
/// previous certificate in use until the next change.
/// </summary>
public sealed partial class TlsCertificateFile
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private readonly string _path;
    private readonly string? _keyPath;
    private readonly TimeProvider _time;
    private readonly Lock _reload = new();
    private X509Certificate2 _current;
    private (DateTime, long, DateTime, long) _stamp;
    private long _nextCheck;

    private TlsCertificateFile(string path, string? keyPath, TimeProvider time)
    {
        _path = path;
        _keyPath = keyPath;
        _time = time;
        _stamp = Stamp();
        _current = Read(path, keyPath);
        _nextCheck = time.GetTimestamp();
    }

    /// <summary>Where reloads and failed reloads are logged (set once the host's logging exists).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>Reads the file now; throws <see cref="InvalidOperationException"/> naming it when it is not a usable certificate.</summary>
    public static TlsCertificateFile Open(string path, string? keyPath, TimeProvider time) => new(path, keyPath, time);

    /// <summary>The certificate to present now (read again first when the file changed).</summary>
    public X509Certificate2 Current
    {
        get
        {
            var now = _time.GetTimestamp();
            if (now >= Volatile.Read(ref _nextCheck) && _reload.TryEnter())
            {
                try
                {
                    Volatile.Write(ref _nextCheck, now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency));
                    ReloadIfChanged();
                }
                finally
                {
                    _reload.Exit();
                }
            }

            return Volatile.Read(ref _current);
        }
    }

    /// <summary>A PEM file (certificate chain, key in it or in <paramref name="keyPath"/>) or a PKCS#12 file without a password.</summary>
    public static X509Certificate2 Read(string path, string? keyPath)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            X509Certificate2 certificate;
            if (bytes.AsSpan().IndexOf("-----BEGIN "u8) >= 0)
            {
                certificate = Ingest.RtmpsCertificate.FromPem(path, keyPath);
            }
            else
            {
                certificate = X509CertificateLoader.LoadPkcs12(bytes, null);
            }

            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new InvalidOperationException($"The TLS certificate '{path}' has no private key (give it with the key option, or in the same file).");
            }

            return certificate;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"The TLS certificate '{path}' cannot be read: {e.Message}", e);
        }
    }

    private void ReloadIfChanged()
    {
        var stamp = Stamp();
        if (stamp == _stamp)
        {
            return;
        }

        try
        {
            var certificate = Read(_path, _keyPath);
            _stamp = stamp;

            // The previous certificate is left to the collector: handshakes in progress may still hold it.
            Volatile.Write(ref _current, certificate);
            if (Logger is { } logger)
            {
                LogReloaded(logger, _path, certificate.Subject, certificate.NotAfter);
            }
        }
        catch (InvalidOperationException e)
        {
            _stamp = stamp; // once per change: the writer's next write changes the stamp again
            if (Logger is { } logger)
            {
                LogReloadFailed(logger, _path, e.Message);
            }
        }
    }

    private (DateTime, long, DateTime, long) Stamp()
    {
        var file = new FileInfo(_path);
        var key = _keyPath is null ? null : new FileInfo(_keyPath);
        return (file.Exists ? file.LastWriteTimeUtc : default, file.Exists ? file.Length : -1,
            key is { Exists: true } ? key.LastWriteTimeUtc : default, key is { Exists: true } ? key.Length : -1);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate {Path} read again: {Subject}, valid until {NotAfter:u}.")]
    private static partial void LogReloaded(ILogger logger, string path, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate {Path} changed but cannot be used ({Reason}); the previous one stays in use.")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
