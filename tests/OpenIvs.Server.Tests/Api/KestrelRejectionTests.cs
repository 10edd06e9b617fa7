using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

/// <summary>
/// Requests Kestrel refuses before the API runs still answer in the API's error shape (status, x-amzn-ErrorType,
/// x-amzn-RequestId, exceptionMessage and message), written byte for byte over a raw socket.
/// </summary>
public class KestrelRejectionTests
{
    public static TheoryData<string, string, int, string> Requests() => new()
    {
        { "request line over 8 KiB", "GET /tags/" + new string('a', 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "RequestUriTooLongException" },
        { "percent-encoded NUL in the path", "GET /tags/arn%3Aaws%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "ValidationException" },
        { "headers over 32 KiB", "GET /ListChannels HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('b', 40_000) + "\r\n\r\n", 431, "RequestHeaderFieldsTooLargeException" },
        { "not an HTTP request line", "HELLO\r\n\r\n", 400, "ValidationException" },
        { "header without a colon", "POST /ListChannels HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400, "ValidationException" },
        { "bad chunk size", "POST /ListChannels HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "ValidationException" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task KestrelsOwnRefusalsHaveTheErrorShape(string name, string request, int status, string errorType)
    {
        await using var server = await TestServer.StartAsync();

        var (head, body) = await SendRawAsync(server, request);

        Assert.True(head.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{name}: {head}");
        Assert.Contains($"\r\nx-amzn-ErrorType: {errorType}\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nx-amzn-RequestId: ", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/json\r\n", head, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        var message = json.RootElement.GetProperty("exceptionMessage").GetString();
        Assert.False(string.IsNullOrEmpty(message), name);
        Assert.Equal(message, json.RootElement.GetProperty("message").GetString());

        // The server lives on and answers the next connection normally.
        await server.CallAsync("ListChannels").OkAsync();
    }

    [Fact]
    public async Task AnOrdinaryRequestOnAKeptAliveConnectionIsUntouched()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = client.GetStream();
        var request = Encoding.ASCII.GetBytes($"GET /GetChannel HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\n\r\n");

        for (var i = 0; i < 3; i++)
        {
            await stream.WriteAsync(request);
            var response = await ReadResponseAsync(stream);
            Assert.StartsWith("HTTP/1.1 405 ", response.Head, StringComparison.Ordinal);
            Assert.Contains("\"exceptionMessage\":\"Method GET is not allowed for /GetChannel.\"", response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ARefusalAfterAPipelinedRequestLeavesTheFirstAnswerWhole()
    {
        await using var server = await TestServer.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /GetChannel HTTP/1.1\r\nHost: x\r\n\r\nGET /tags/a%00 HTTP/1.1\r\nHost: x\r\n\r\n"));

        // Kestrel closes the connection after the refusal: read everything, then split the two answers.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var all = new MemoryStream();
        await stream.CopyToAsync(all, timeout.Token);
        var text = Encoding.ASCII.GetString(all.ToArray());
        var second = text.IndexOf("HTTP/1.1 400 ", StringComparison.Ordinal);

        Assert.StartsWith("HTTP/1.1 405 ", text, StringComparison.Ordinal);
        Assert.True(second > 0, text);
        Assert.Contains("\"exceptionMessage\":\"Method GET is not allowed for /GetChannel.\"", text[..second], StringComparison.Ordinal);
        Assert.Contains("x-amzn-ErrorType: ValidationException", text[second..], StringComparison.Ordinal);
        Assert.EndsWith("}", text, StringComparison.Ordinal);
    }

    private static async Task<(string Head, string Body)> SendRawAsync(TestServer server, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (IOException)
        {
            // The server may close while a long request is still being written; its answer is already queued.
        }

        return await ReadResponseAsync(stream);
    }

    private static async Task<(string Head, string Body)> ReadResponseAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var text = Encoding.ASCII.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var head = text[..(end + 2)];
                var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
                var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (text.Length >= end + 4 + length)
                {
                    return (head, text.Substring(end + 4, length));
                }
            }

            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return (text, string.Empty);
            }

            received.Write(buffer, 0, read);
        }
    }
}
