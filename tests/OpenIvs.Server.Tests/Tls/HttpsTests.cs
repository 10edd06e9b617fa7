using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Playback.PlaybackTests;

namespace OpenIvs.Server.Tests.Tls;

/// <summary>
/// <c>--https</c> with <c>--tls-certificate</c>: the AWS CLI over HTTPS, playback URLs that follow, a stream played
/// over HTTPS (HttpClient pinned to the certificate, and ffmpeg), the console, RTMPS sharing the certificate, and
/// a renewed certificate file taken by new connections without a restart.
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("openivs-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task TheApiPlaybackAndConsoleAreServedOverHttps(string format)
    {
        var path = Path.Combine(_directory, "server." + format);
        using var first = SelfSigned("first");
        Write(first, path);
        var httpsPort = 0;
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(
            options =>
            {
                httpsPort = TestServer.FreePort();
                options.Tls.Https = $"127.0.0.1:{httpsPort}";
                options.Tls.Certificate = path;
            },
            logs: logs);
        var endpoint = new Uri($"https://127.0.0.1:{httpsPort}");

        // The AWS CLI over HTTPS (the certificate is self-signed: --no-verify-ssl); playback URLs follow the HTTPS listener.
        var (code, output, error) = await RealClients.AwsAsync(server, endpoint, server.Root.AccessKeyId, server.Root.SecretAccessKey,
            "create-channel", "--insecure-ingest", "--latency-mode", "LOW", "--no-verify-ssl");
        Assert.True(code == 0, error);
        var created = JsonNode.Parse(output)!;
        var playbackUrl = (string)created["channel"]!["playbackUrl"]!;
        Assert.StartsWith(endpoint + "api/video/v1/", playbackUrl, StringComparison.Ordinal);

        await using var publisher = Ffmpeg.Publish(await Ffmpeg.ClipAsync(640, 360, 30, 800), RtmpUrl(server, (string)created["streamKey"]!["value"]!));
        await WaitUntilStartedAsync(server, (string)created["channel"]!["arn"]!);

        // A client that trusts exactly this certificate plays the stream: multivariant, media playlist, a segment.
        using var pinned = Pinned(first);
        var multivariant = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await pinned.GetAsync(playbackUrl);
                return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
            },
            text => text is not null,
            "the HTTPS playback URL to answer");
        var mediaUrl = MediaPlaylistUrl(playbackUrl, multivariant!);
        Assert.StartsWith("https://", mediaUrl, StringComparison.Ordinal);
        var media = await pinned.GetStringAsync(mediaUrl);
        var segment = media.Split('\n').First(l => l.StartsWith("seg", StringComparison.Ordinal));
        var bytes = await pinned.GetByteArrayAsync(new Uri(new Uri(mediaUrl), segment));
        Assert.True(bytes.Length > 1000);
        var played = await RunToolAsync("ffmpeg", $"-hide_banner -loglevel error -tls_verify 0 -i {playbackUrl} -t 2 -c copy -f null -");
        Assert.True(played.Code == 0, played.Output);

        using var console = await pinned.GetAsync(new Uri(endpoint, "/console"));
        Assert.Equal(HttpStatusCode.OK, console.StatusCode);
        Assert.Contains("text/html", console.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);

        // RTMPS shares the certificate (no --rtmps-certificate given).
        Assert.Equal(first.Thumbprint, (await PresentedAsync(server.Options.RtmpsEndPoint.Port)).Thumbprint);

        // A renewed certificate written over the file is presented to new connections, HTTPS and RTMPS alike.
        using var second = SelfSigned("second");
        Write(second, path);
        await Eventually.ReturnsAsync(async () => (await PresentedAsync(httpsPort)).Thumbprint, t => t == second.Thumbprint, "the renewed certificate on HTTPS");
        await Eventually.ReturnsAsync(async () => (await PresentedAsync(server.Options.RtmpsEndPoint.Port)).Thumbprint, t => t == second.Thumbprint, "the renewed certificate on RTMPS");
        using var renewed = Pinned(second);
        using var afterRenewal = await renewed.GetAsync(playbackUrl);
        Assert.Equal(HttpStatusCode.OK, afterRenewal.StatusCode);

        // A broken file (half written) leaves the current certificate in use.
        await File.WriteAllTextAsync(path, "-----BEGIN CERTIFICATE-----\nnot base64\n");
        await Eventually.ReturnsAsync(
            async () =>
            {
                Assert.Equal(second.Thumbprint, (await PresentedAsync(httpsPort)).Thumbprint);
                return logs.All;
            },
            all => all.Contains("changed but cannot be used", StringComparison.Ordinal),
            "the broken certificate file to be read and refused");
        Assert.Equal(second.Thumbprint, (await PresentedAsync(httpsPort)).Thumbprint);
    }

    [Fact]
    public void ACertificateWithoutItsKeyIsRefusedWithItsName()
    {
        var path = Path.Combine(_directory, "no-key.pem");
        using var certificate = SelfSigned("nokey");
        File.WriteAllText(path, certificate.ExportCertificatePem());

        var error = Assert.Throws<InvalidOperationException>(() => TlsCertificateFile.Open(path, null, TimeProvider.System));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(new TlsOptions { Https = "nonsense", Certificate = Path.Combine(_directory, "missing.pem") }.Validate(), p => p.Contains("HOST:PORT", StringComparison.Ordinal));
        Assert.Contains(new TlsOptions { Https = "127.0.0.1:8443", Certificate = Path.Combine(_directory, "missing.pem") }.Validate(), p => p.Contains("does not exist", StringComparison.Ordinal));
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Replaces the file in one step (as certbot and mounted secrets do), in the format its name says.</summary>
    private static void Write(X509Certificate2 certificate, string path)
    {
        var temporary = path + ".new";
        if (path.EndsWith(".pfx", StringComparison.Ordinal))
        {
            File.WriteAllBytes(temporary, certificate.Export(X509ContentType.Pkcs12));
        }
        else
        {
            File.WriteAllText(temporary, certificate.ExportCertificatePem() + "\n" + certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static HttpClient Pinned(X509Certificate2 expected) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == expected.Thumbprint,
        },
    });

    /// <summary>The certificate a fresh TLS connection to the port is shown.</summary>
    private static async Task<X509Certificate2> PresentedAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("127.0.0.1");
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }
}
