using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Ingest;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Tests.Ingest;

/// <summary>
/// The receive low-water mark on a real loopback TCP socket: sized from the stream's measured rate, back to
/// one byte when the rate falls, and the kernel behaviour it relies on (held-back data is released by more
/// data, by lowering the mark, or by the peer closing).
/// </summary>
public sealed class ReceiveCoalescingTests : IDisposable
{
    private readonly Socket _server;
    private readonly Socket _client;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    public ReceiveCoalescingTests()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _client.Connect(listener.LocalEndPoint!);
        _server = listener.Accept();
    }

    [Fact]
    public void TheLowWatermarkFollowsTheMeasuredRate()
    {
        var stream = NewStream();
        using var coalescing = ReceiveCoalescing.Start(Connection(), stream, TimeSpan.FromMilliseconds(20), _time)!;
        Assert.Equal(1, ReadLowWatermark());

        // 2.5 Mbps for half a second: 20 ms of it is 6,250 bytes.
        AddMedia(stream, bytesPerSecond: 312_500, TimeSpan.FromMilliseconds(500));
        Assert.InRange(ReadLowWatermark(), 5_000, 7_500);
        Assert.Equal(ReadLowWatermark(), coalescing.LowWatermark);

        // Ten times the rate is capped.
        AddMedia(stream, bytesPerSecond: 3_125_000, TimeSpan.FromMilliseconds(500));
        Assert.Equal(ReceiveCoalescing.MaximumBytes, ReadLowWatermark());

        // The encoder stops (or drops to a trickle): wake for every byte again within one interval.
        _time.Advance(ReceiveCoalescing.Interval);
        Assert.Equal(1, ReadLowWatermark());
        AddMedia(stream, bytesPerSecond: 20_000, TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, ReadLowWatermark());
    }

    [Fact]
    public void OffLeavesTheSocketAlone()
    {
        Assert.Null(ReceiveCoalescing.Start(Connection(), NewStream(), TimeSpan.Zero, _time));
        Assert.Null(ReceiveCoalescing.Start(new DefaultConnectionContext(), NewStream(), TimeSpan.FromMilliseconds(20), _time));
    }

    [Fact]
    public async Task HeldBackDataIsReleasedByMoreDataALowerMarkOrTheClose()
    {
        _server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, 6_000);
        _client.Send(new byte[100]);
        Assert.False(_server.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead), "100 bytes should wait under a 6,000-byte mark");

        _client.Send(new byte[6_000]);
        Assert.True(_server.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead));
        Assert.Equal(6_100, Drain());

        // Lowering the mark (what Adjust does when the rate falls) wakes a reader already waiting.
        _client.Send(new byte[100]);
        var waiting = Task.Run(() => _server.Poll(TimeSpan.FromSeconds(30), SelectMode.SelectRead));
        Assert.NotSame(waiting, await Task.WhenAny(waiting, Task.Delay(300))); // real time: the kernel's socket, not ours to fake
        _server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, 1);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)), "lowering the mark must wake the waiting reader");
        Assert.Equal(100, Drain());

        _server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, 6_000);
        _client.Send(new byte[100]);
        Assert.False(_server.Poll(TimeSpan.FromMilliseconds(200), SelectMode.SelectRead));
        _client.Shutdown(SocketShutdown.Send);
        Assert.True(_server.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead), "the peer's close must wake the reader");
        Assert.Equal(100, Drain());
    }

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    private int ReadLowWatermark() => (int)_server.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater)!;

    private int Drain()
    {
        var total = 0;
        var buffer = new byte[16 * 1024];
        while (_server.Available > 0)
        {
            total += _server.Receive(buffer);
        }

        return total;
    }

    private void AddMedia(LiveStream stream, int bytesPerSecond, TimeSpan duration)
    {
        // Frames every 10 ms; the timer fires when the last step reaches the interval.
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += TimeSpan.FromMilliseconds(10))
        {
            stream.Metrics.Add(video: true, bytesPerSecond / 100);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    private LiveStream NewStream() =>
        new(new Channel { Arn = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCD1234" }, "st-1", _time.GetUtcNow(), IngestTransport.Rtmp, () => { }, _time);

    private DefaultConnectionContext Connection()
    {
        var connection = new DefaultConnectionContext();
        connection.Features.Set<IConnectionSocketFeature>(new SocketFeature(_server));
        return connection;
    }

    private sealed class SocketFeature(Socket socket) : IConnectionSocketFeature
    {
        public Socket Socket => socket;
    }
}
