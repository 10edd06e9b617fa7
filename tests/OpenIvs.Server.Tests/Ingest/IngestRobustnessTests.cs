using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Ingest;

/// <summary>
/// Hostile and broken RTMP connections beside a live stream: the server stays up, memory stays bounded,
/// no session is created, and the live stream keeps flowing untouched.
/// </summary>
public class IngestRobustnessTests
{
    [Fact]
    public async Task HostileConnectionsDoNotDisturbALiveStream()
    {
        await using var server = await TestServer.StartAsync();
        var (arn, key) = await IngestTests.CreateChannelAsync(server, """{"insecureIngest":true}""");
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 5);
        await using var publisher = Ffmpeg.Publish(clip, IngestTests.RtmpUrl(server, key));
        await IngestTests.WaitUntilStartedAsync(server, arn);
        var hub = server.Services.GetRequiredService<LiveStreamHub>();
        var live = hub.Find(arn)!;
        var streamId = live.StreamId;
        var port = server.Options.RtmpEndPoint.Port;
        GC.Collect();
        var memoryBefore = Process.GetCurrentProcess().WorkingSet64;
        var bytesBefore = live.Metrics.TotalBytes;

        var slow = Task.Run(() => SlowLorisAsync(port, bytes: 6));
        var attacks = new List<Task>();
        for (var i = 0; i < 10; i++)
        {
            attacks.Add(SendAsync(port, RandomBytes(256 * 1024, seed: i)));
            attacks.Add(SendAsync(port, [0x03, .. RandomBytes(700, seed: 100 + i)]));
            attacks.Add(AfterHandshakeAsync(port, SetChunkSize(0x7FFFFFFF)));
            attacks.Add(AfterHandshakeAsync(port, ManyChunkStreams(3000)));
            attacks.Add(AfterHandshakeAsync(port, AmfBomb(nesting: 5000)));
            attacks.Add(AfterHandshakeAsync(port, HugeAmfString()));
            attacks.Add(AfterHandshakeAsync(port, OversizedMessage()));
            attacks.Add(SendAsync(port, [0x06, .. RandomBytes(1536, seed: 200 + i)]));
        }

        await Task.WhenAll(attacks);
        await slow;

        using var health = await server.Http.GetAsync("/health");
        Assert.Equal(200, (int)health.StatusCode);
        await Eventually.TrueAsync(() => live.Metrics.TotalBytes > bytesBefore + 100_000, "the live stream to keep flowing");
        var stream = await IngestTests.GetStreamAsync(server, arn);
        Assert.Equal(streamId, (string?)stream!["streamId"]);
        Assert.Equal("HEALTHY", (string?)stream["health"]);
        Assert.False(publisher.HasExited);
        Assert.Single((await server.CallAsync("ListStreamSessions", $$"""{"channelArn":"{{arn}}"}""").OkAsync())["streamSessions"]!.AsArray());
        GC.Collect();
        Assert.InRange(Process.GetCurrentProcess().WorkingSet64 - memoryBefore, long.MinValue, 200L * 1024 * 1024);
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Sends bytes and reads until the server closes (or 15 s pass; the server's handshake timeout is 10 s).</summary>
    private static async Task SendAsync(int port, byte[] payload)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(payload);
            await DrainUntilClosedAsync(stream);
        }
        catch (IOException)
        {
            // Closed by the server mid-write: what we want.
        }
    }

    private static async Task AfterHandshakeAsync(int port, byte[] payload)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        try
        {
            var c1 = new byte[1536];
            new Random(7).NextBytes(c1.AsSpan(8));
            await stream.WriteAsync(new byte[] { 0x03 });
            await stream.WriteAsync(c1);
            var s0s1s2 = new byte[1 + 1536 + 1536];
            await stream.ReadExactlyAsync(s0s1s2);
            await stream.WriteAsync(s0s1s2.AsMemory(1, 1536)); // C2 echoes S1
            await stream.WriteAsync(payload);
            await DrainUntilClosedAsync(stream);
        }
        catch (IOException)
        {
        }
    }

    private static async Task DrainUntilClosedAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("The server kept a hostile connection open.");
        }
    }

    /// <summary>A connection that sends one byte a second: it must not hold anything back.</summary>
    private static async Task SlowLorisAsync(int port, int bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        try
        {
            for (var i = 0; i < bytes; i++)
            {
                await stream.WriteAsync(new byte[] { i == 0 ? (byte)3 : (byte)0 });
                await Task.Delay(1000); // real time: a slow client on a real socket, against the handshake's wall-clock timeout
            }
        }
        catch (IOException)
        {
        }
    }

    private static byte[] Chunk(int chunkStreamId, byte type, ReadOnlySpan<byte> payload, int declaredLength = -1)
    {
        var header = new byte[12];
        header[0] = (byte)chunkStreamId; // fmt 0, one-byte basic header (ids 2..63)
        var length = declaredLength < 0 ? payload.Length : declaredLength;
        header[4] = (byte)(length >> 16);
        header[5] = (byte)(length >> 8);
        header[6] = (byte)length;
        header[7] = type;
        return [.. header, .. payload];
    }

    private static byte[] SetChunkSize(int size)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, size);
        return Chunk(2, 1, payload);
    }

    /// <summary>Thousands of chunk streams each holding an unfinished message (three-byte basic headers).</summary>
    private static byte[] ManyChunkStreams(int count)
    {
        var output = new List<byte>();
        for (var id = 64; id < 64 + count; id++)
        {
            var extended = id - 64;
            output.AddRange([(byte)1, (byte)(extended & 0xFF), (byte)(extended >> 8)]); // fmt 0, csid 64..65599
            output.AddRange([0, 0, 0, 0, 0x10, 0x00, 9, 1, 0, 0, 0]); // length 4096, video, stream 1
            output.AddRange(new byte[64]); // less than the message: it stays in flight
        }

        return [.. output];
    }

    private static byte[] AmfBomb(int nesting)
    {
        var payload = new List<byte> { 0x02, 0x00, 0x07 };
        payload.AddRange("connect"u8.ToArray());
        payload.AddRange([0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0]);
        for (var i = 0; i < nesting; i++)
        {
            payload.AddRange([0x03, 0x00, 0x01, (byte)'a']); // object { "a": ...
        }

        return Chunk(3, 20, [.. payload]);
    }

    private static byte[] HugeAmfString()
    {
        byte[] payload = [0x02, 0x00, 0x07, .. "connect"u8.ToArray(), 0x0C, 0xFF, 0xFF, 0xFF, 0xF0, (byte)'x'];
        return Chunk(3, 20, payload);
    }

    private static byte[] OversizedMessage() => Chunk(4, 9, new byte[128], declaredLength: 0xFFFFFF);
}
