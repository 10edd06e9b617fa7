using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Hosting;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>
/// A real OpenIVS server in the test process (Kestrel on a free loopback port, SQLite in a temp directory),
/// with fault injection on. Same pattern as the server's own tests.
/// </summary>
public sealed class OpenIvsTestServer : IAsyncDisposable
{
    private readonly OpenIvsServer _server;

    private OpenIvsTestServer(OpenIvsServer server, OpenIvsOptions options)
    {
        _server = server;
        Options = options;
        Endpoint = new Uri($"http://{options.Http}");
        Root = new SigV4Credentials(server.Credentials.AccessKeyId, server.Credentials.SecretAccessKey);
    }

    public OpenIvsOptions Options { get; }

    public Uri Endpoint { get; }

    public SigV4Credentials Root { get; }

    public string Region => Options.Region;

    public static async Task<OpenIvsTestServer> StartAsync(Action<OpenIvsOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "openivs-client-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        for (var attempt = 1; ; attempt++)
        {
            var options = new OpenIvsOptions
            {
                DataDirectory = directory,
                Http = $"127.0.0.1:{FreePort()}",
                Rtmp = $"127.0.0.1:{FreePort()}",
                Rtmps = $"127.0.0.1:{FreePort()}",
                Srt = $"127.0.0.1:{FreePort()}", // a free TCP port number, almost always free for UDP too
                EnableFaultInjection = true,
            };

            // No ffmpeg transcoder per STANDARD stream (CPU); Server.Tests' TranscodingTests cover transcoding.
            options.Transcoding.Enabled = false;
            configure?.Invoke(options);
            var server = await OpenIvsServer.CreateAsync(options, logging => logging.SetMinimumLevel(LogLevel.Warning), services => services.AddSingleton(TimeProvider.System));
            try
            {
                await server.StartAsync();
                return new OpenIvsTestServer(server, options);
            }
            catch (IOException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>A client for this server, signed with the root key.</summary>
    public IvsClient CreateClient(Action<IvsClientOptions>? configure = null)
    {
        var options = new IvsClientOptions { Region = Region, Endpoint = Endpoint, Credentials = Root };
        configure?.Invoke(options);
        return new IvsClient(options);
    }

    /// <summary>Makes the next <paramref name="count"/> calls of <paramref name="operation"/> fail with <paramref name="errorCode"/>.</summary>
    public async Task InjectFaultAsync(string operation, string errorCode, int count)
    {
        using var http = new HttpClient();
        var request = new Runtime.IvsHttpRequest("POST") { Path = "/_openivs/faults" };
        request.SetBody(System.Text.Encoding.UTF8.GetBytes(
            $$"""{"operation":"{{operation}}","errorCode":"{{errorCode}}","count":{{count}}}"""));
        var signer = new Runtime.IvsRequestSigner(Endpoint, Region);
        using var message = signer.Create(request, Runtime.IvsRequestSigner.PayloadHash(request), Root, DateTimeOffset.UtcNow, Guid.NewGuid().ToString(), 1, 1);
        using var response = await http.SendAsync(message);
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"Fault injection failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(Options.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
