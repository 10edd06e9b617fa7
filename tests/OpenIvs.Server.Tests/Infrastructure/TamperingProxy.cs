using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A man in the middle for tests: forwards HTTP/1.1 requests to the server, replacing one string in the
/// body with another of the same length (so Content-Length stays right), and passes the answer back.
/// </summary>
public sealed class TamperingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly byte[] _find;
    private readonly byte[] _replace;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TamperingProxy(Uri target, string find, string replace)
    {
        Assert.Equal(find.Length, replace.Length);
        _target = target;
        _find = Encoding.UTF8.GetBytes(find);
        _replace = Encoding.UTF8.GetBytes(replace);
        _listener.Start();
        _loop = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Tampered { get; private set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            await upstream.ConnectAsync(_target.Host, _target.Port);
            var request = await ReadMessageAsync(client.GetStream());
            var index = request.AsSpan().IndexOf(_find);
            if (index >= 0)
            {
                _replace.CopyTo(request, index);
                Tampered++;
            }

            await upstream.GetStream().WriteAsync(request);
            // One request per connection: relay one response (headers and Content-Length body), then close.
            var response = await ReadMessageAsync(upstream.GetStream());
            await client.GetStream().WriteAsync(response);
        }
    }

    /// <summary>Reads one HTTP/1.1 message: the header block and a body of Content-Length bytes.</summary>
    private static async Task<byte[]> ReadMessageAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                return [.. buffer];
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        var headers = Encoding.ASCII.GetString([.. buffer.Take(headerEnd)]);
        var lengthLine = headers.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        while (buffer.Count < headerEnd + 4 + length)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0)
            {
                break;
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        return [.. buffer];
    }

    private static int IndexOfHeaderEnd(List<byte> buffer)
    {
        for (var i = 3; i < buffer.Count; i++)
        {
            if (buffer[i - 3] == '\r' && buffer[i - 2] == '\n' && buffer[i - 1] == '\r' && buffer[i] == '\n')
            {
                return i - 3;
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
