using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Ingest;

/// <summary>
/// Lets the kernel gather a publisher's media before waking the server. An encoder writes each frame in
/// several small pieces, and waking for each piece (epoll, a receive, another that finds nothing, a context
/// switch) was most of the ingest CPU (bench/ingest). Once a stream is publishing, this sets the socket's
/// receive low-water mark (<c>SO_RCVLOWAT</c>) to <see cref="Streams.IngestOptions.ReceiveCoalescing"/>'s
/// worth of the stream's measured rate, re-measured every half second, so media waits in the kernel at most
/// about that long (longer only for the half second after the rate falls sharply). The kernel still wakes
/// the server at once for a closed connection, and when its receive buffer runs short.
/// </summary>
internal sealed class ReceiveCoalescing : IDisposable
{
    /// <summary>How often the rate is re-measured and the low-water mark adjusted.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>Below this many bytes batching saves little: leave the socket waking for every byte.</summary>
    public const int MinimumBytes = 1024;

    /// <summary>At most this much is held back, whatever the rate.</summary>
    public const int MaximumBytes = 32 * 1024;

    private readonly Socket _socket;
    private readonly LiveStream _stream;
    private readonly double _window;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private long _lastBytes;
    private long _lastTimestamp;
    private int _lowWatermark = 1;

    private ReceiveCoalescing(Socket socket, LiveStream stream, TimeSpan window, TimeProvider time)
    {
        (_socket, _stream, _window, _time) = (socket, stream, window.TotalSeconds, time);
        _lastBytes = stream.Metrics.TotalBytes;
        _lastTimestamp = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((ReceiveCoalescing)state!).Adjust(), this, Interval, Interval);
    }

    /// <summary>The socket's current low-water mark in bytes (1: wake for any data).</summary>
    public int LowWatermark => Volatile.Read(ref _lowWatermark);

    /// <summary>Starts adjusting the connection's socket for <paramref name="stream"/>, or returns null when off or not a socket.</summary>
    public static ReceiveCoalescing? Start(ConnectionContext connection, LiveStream stream, TimeSpan window, TimeProvider time) =>
        window > TimeSpan.Zero && connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket
            ? new ReceiveCoalescing(socket, stream, window, time)
            : null;

    private void Adjust()
    {
        var bytes = _stream.Metrics.TotalBytes;
        var now = _time.GetTimestamp();
        var seconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        var rate = seconds > 0 ? (bytes - _lastBytes) / seconds : 0;
        (_lastBytes, _lastTimestamp) = (bytes, now);

        var target = (int)Math.Min(rate * _window, MaximumBytes);
        target = target < MinimumBytes ? 1 : target;
        var current = _lowWatermark;
        // Small drifts are not worth a system call; going back to 1 always is.
        if (target == current || (target != 1 && current != 1 && Math.Abs(target - current) < current / 4))
        {
            return;
        }

        try
        {
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, target);
            Volatile.Write(ref _lowWatermark, target);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            // Closed meanwhile, or a platform without the option: stop adjusting.
            _timer.Dispose();
        }
    }

    public void Dispose() => _timer.Dispose();
}
