using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Ingest;

/// <summary>
/// The RTMP and RTMPS ingest listeners, as a Kestrel connection handler: Kestrel accepts the socket
/// (and terminates TLS for RTMPS); each connection runs one <see cref="RtmpServerSession"/> over the
/// connection's pipes. A broken or hostile connection ends alone: errors never reach other streams.
/// </summary>
public sealed partial class RtmpConnectionHandler(
    IStreamHub hub, RtmpSessionOptions sessionOptions, IngestOptions options, Telemetry.IngestTelemetry telemetry, TimeProvider time, ILogger<RtmpConnectionHandler> logger)
    : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var secure = connection.Features.Get<ITlsHandshakeFeature>() is not null;
        using var publisher = new RtmpPublisher(hub, connection, secure, options, telemetry, time, logger);
        var session = new RtmpServerSession(connection.Transport.Input, connection.Transport.Output, publisher, sessionOptions);
        try
        {
            var reason = await session.RunAsync(connection.ConnectionClosed).ConfigureAwait(false);
            LogClosed(logger, connection.ConnectionId, reason.ToString());
        }
        catch (RtmpProtocolException e)
        {
            // The message names the protocol rule broken, never the stream name (the stream key).
            LogProtocolError(logger, connection.ConnectionId, e.Error.ToString(), e.Message);
        }
        catch (OperationCanceledException)
        {
            LogClosed(logger, connection.ConnectionId, "aborted");
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            LogClosed(logger, connection.ConnectionId, e.GetType().Name);
        }
        catch (Exception e)
        {
            LogFailed(logger, e, connection.ConnectionId);
        }
        finally
        {
            if (publisher.Stream is { } stream)
            {
                using var scope = telemetry.BeginChannelScope(logger, stream);
                hub.End(stream, StreamEndReason.PublisherLeft("connection closed"));
            }
        }
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Connection {ConnectionId} dropped: {Error} {Detail}")]
    private static partial void LogProtocolError(ILogger logger, string connectionId, string error, string detail);

    [LoggerMessage(EventId = 412, Level = LogLevel.Warning, Message = "Connection {ConnectionId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string connectionId);
}
