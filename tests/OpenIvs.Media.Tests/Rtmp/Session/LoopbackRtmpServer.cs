using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using OpenIvs.Media.Rtmp.Session;

namespace OpenIvs.Media.Tests.Rtmp.Session;

/// <summary>
/// Hosts <see cref="RtmpServerSession"/> on a loopback TCP listener the way a plain-socket host would: the socket's
/// stream is adapted with <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/> / <see cref="PipeWriter.Create(Stream, StreamPipeWriterOptions?)"/>.
/// </summary>
public sealed class LoopbackRtmpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public LoopbackRtmpServer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Accepts one connection and runs a session on it to the end.</summary>
    public async Task<SessionOutcome> AcceptOneAsync(IRtmpPublishHandler handler, CancellationToken cancellationToken)
    {
        using var socket = await _listener.AcceptSocketAsync(cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var input = PipeReader.Create(stream);
        var output = PipeWriter.Create(stream);
        var session = new RtmpServerSession(input, output, handler);
        try
        {
            return new SessionOutcome(session, await session.RunAsync(cancellationToken), null);
        }
        catch (Exception exception)
        {
            return new SessionOutcome(session, null, exception);
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
            socket.Shutdown(SocketShutdown.Both);
        }
    }

    public void Dispose() => _listener.Dispose();
}

public sealed record SessionOutcome(RtmpServerSession Session, RtmpSessionEndReason? Reason, Exception? Error);
