using System.Buffers;
using System.Text;
using OpenIvs.Media;
using OpenIvs.Media.MpegTs;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Ingest.Srt;

/// <summary>
/// One connected SRT caller, on its own thread: the hub admits it by the stream key from its Stream ID, then each
/// SRT message (up to seven TS packets) goes through a <see cref="TsDemuxer"/> and the tracks and frames go to the
/// hub, as an RTMP publisher's do. A refusal, the service ending the stream (StopStream, limits, idle) or a broken
/// connection closes the socket; a stream that cannot be ingested (a codec other than H.264/AAC) ends with a
/// Stream Failure.
/// </summary>
internal sealed partial class SrtPublisher
{
    /// <summary>Larger than SRT's largest live payload (1456 bytes; encoders send 1316).</summary>
    private const int MessageBufferSize = 1500;

    private readonly int _socket;
    private readonly SrtListener _listener;
    private readonly IStreamHub _hub;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private int _closed;
    private volatile LiveStream? _stream;

    public SrtPublisher(int socket, SrtListener listener, IStreamHub hub, ILogger logger)
    {
        _socket = socket;
        _listener = listener;
        _hub = hub;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = $"srt-{socket}" };
    }

    public void Start() => _thread.Start();

    public void Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <summary>The service is stopping: the stream ends for that reason (which closes the socket).</summary>
    public void Shutdown()
    {
        if (_stream is { } stream)
        {
            stream.RequestEnd(StreamEndReason.Shutdown);
        }

        Close();
    }

    /// <summary>Closes the socket (idempotent, any thread): a blocked receive returns and the thread ends.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            SrtNative.srt_close(_socket);
        }
    }

    private void Run()
    {
        LiveStream? stream = null;
        var reason = "connection closed";
        try
        {
            stream = _stream = Admit();
            if (stream is not null)
            {
                reason = Receive(stream);
            }
        }
        catch (MediaFormatException e) when (stream is not null)
        {
            reason = e.Message;
            if (e.Error == MediaFormatError.Unsupported)
            {
                stream.RequestEnd(StreamEndReason.Refused(e.Message));
            }

            LogMediaError(_logger, stream.ChannelArn, e.Message);
        }
        catch (Exception e)
        {
            LogFailed(_logger, e, stream?.ChannelArn ?? "-");
        }
        finally
        {
            Close();
            if (stream is not null)
            {
                _hub.End(stream, StreamEndReason.PublisherLeft(reason));
            }

            _listener.Remove(this);
        }
    }

    /// <summary>The hub's admission, after the listen callback's: the key may have been deleted or the channel gone live since.</summary>
    private LiveStream? Admit()
    {
        Span<byte> id = stackalloc byte[512];
        var length = SrtNative.GetBytes(_socket, SrtOption.StreamId, id);
        if (length <= 0 || !SrtStreamId.TryGetStreamKey(Encoding.UTF8.GetString(id[..length]), out var streamKey)
            || _listener.FindChannel(streamKey) is not { } channel)
        {
            LogRefused(_logger, "-", nameof(PublishRefusal.UnknownStreamKey));
            return null;
        }

        // The listen callback set the passphrase, and libsrt enforces it; this holds even if that ever changes.
        if (channel.InsecureIngest != true && SrtNative.GetInt(_socket, SrtOption.ReceiveKmState) != SrtNative.KmStateSecured)
        {
            LogRefused(_logger, channel.Arn!, "not encrypted");
            return null;
        }

        // This caller's own thread (it blocks in receive anyway): waiting for a cluster slot here holds no pool thread.
        var result = _hub.TryBeginAsync(streamKey, IngestTransport.Srt, Close, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (!result.Accepted)
        {
            LogRefused(_logger, channel.Arn!, result.Refusal.ToString());
            return null;
        }

        return result.Stream;
    }

    private string Receive(LiveStream stream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MessageBufferSize);
        using var demuxer = new TsDemuxer();
        try
        {
            while (true)
            {
                var received = SrtNative.Receive(_socket, buffer);
                if (received <= 0)
                {
                    return Volatile.Read(ref _closed) == 1 ? "closed by the service" : "connection closed: " + SrtNative.LastError();
                }

                demuxer.Write(buffer.AsSpan(0, received));
                while (demuxer.TryRead(out var item))
                {
                    if (item.VideoConfig is { } video)
                    {
                        _hub.SetVideo(stream, video);
                    }
                    else if (item.AudioConfig is { } audio)
                    {
                        _hub.SetAudio(stream, audio);
                    }
                    else
                    {
                        _hub.Publish(stream, item.Frame!);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(EventId = 425, Level = LogLevel.Information, Message = "SRT publish to {ChannelArn} refused ({Reason})")]
    private static partial void LogRefused(ILogger logger, string channelArn, string reason);

    [LoggerMessage(EventId = 426, Level = LogLevel.Information, Message = "SRT stream of {ChannelArn} dropped: {Detail}")]
    private static partial void LogMediaError(ILogger logger, string channelArn, string detail);

    [LoggerMessage(EventId = 427, Level = LogLevel.Warning, Message = "SRT publisher of {ChannelArn} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string channelArn);
}
