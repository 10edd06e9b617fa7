using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using OpenIvs.Media.Flv;
using OpenIvs.Media.Frames;
using OpenIvs.Server.Events;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Transcoding;

/// <summary>
/// Transcodes one live stream into its ladder's renditions with an ffmpeg child process: the source's frames
/// from a hub reader go to ffmpeg's stdin as FLV; each rung comes back as FLV through its own FIFO (in a
/// private temporary directory) and is published to its <see cref="LiveRendition"/> on the source's clock.
/// An ffmpeg that exits or falls behind real time is a Stream Failure event and a restart at the next keyframe;
/// the source rendition never depends on it.
/// </summary>
internal sealed partial class StreamTranscoder
{
    private const int FramesToMeasure = 15; // half a second at 30 fps when the bitstream carries no frame rate
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);
    private readonly LiveStream _stream;
    private readonly LiveStreamReader _reader;
    private readonly IStreamHub _hub;
    private readonly ServiceAccount _account;
    private readonly TranscodingOptions _transcoding;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<MediaFrame> _pending = [];
    private VideoTrackInfo? _video;
    private AudioTrackInfo? _audio;
    // ffmpeg sees the source's clock minus _base: small (FLV), and starting at FeedStart rather than 0, because the AAC
    // encoder's priming would put the first audio packets before 0, and ffmpeg would then shift every output (every
    // rung's timestamps, 21 ms at 48 kHz) to keep them non-negative: the rungs would no longer share the source's clock.
    private const long FeedStart = 1000;
    private long _base = long.MinValue;

    public StreamTranscoder(LiveStream stream, LiveStreamReader reader, IStreamHub hub, TranscodingOptions options, ServiceAccount account, TimeProvider time, ILogger logger)
    {
        _stream = stream;
        _reader = reader;
        _hub = hub;
        _transcoding = options;
        _account = account;
        _time = time;
        _logger = logger;
    }

    /// <summary>The stream's ffmpeg process id while one runs (tests and diagnostics).</summary>
    public int? ProcessId { get; private set; }

    /// <summary>Failures so far (exits, falling behind).</summary>
    public int Failures { get; private set; }

    /// <summary>Runs until the stream ends, the transcoder gives up, or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("openivs-transcode-"); // mode 0700: only this user can reach the FIFOs
        LiveRendition[] renditions = [];
        try
        {
            if (await StartAsync(cancellationToken).ConfigureAwait(false) is not { } frameRate)
            {
                return;
            }

            var ladder = TranscodeLadder.For(_stream.Channel.Type, _stream.Channel.Preset, _video!.Width, _video.Height, frameRate, _audio is not null);
            _stream.Ladder = ladder;
            var added = new List<LiveRendition>();
            foreach (var rung in ladder.Where(r => r.Kind != RungKind.Source))
            {
                if (_hub.AddRendition(_stream, rung) is not { } rendition)
                {
                    return; // the stream ended meanwhile
                }

                added.Add(rendition);
            }

            renditions = [.. added];
            if (renditions.Length == 0)
            {
                return;
            }

            LogStarted(_logger, _stream.ChannelArn, _stream.StreamId, string.Join(", ", ladder.Select(r => r.Name)));
            while (true)
            {
                var failure = await RunProcessAsync(directory.FullName, renditions, frameRate, cancellationToken).ConfigureAwait(false);
                if (failure is null)
                {
                    return; // the stream ended
                }

                Failures++;
                LogFailed(_logger, _stream.ChannelArn, _stream.StreamId, failure);
                _hub.Raise(_stream, IvsEvent.StreamState(
                    "Stream Failure", _account.Region, _account.AccountId, _stream.ChannelArn, _stream.Channel.Name ?? string.Empty, _stream.StreamId,
                    _time.GetUtcNow(), reason: failure));
                if (Failures > _transcoding.MaxRestarts)
                {
                    LogGaveUp(_logger, _stream.ChannelArn, _stream.StreamId, Failures);
                    return;
                }

                await Task.Delay(RestartDelay, _time, cancellationToken).ConfigureAwait(false);
                DropPending();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var rendition in renditions)
            {
                rendition.Complete(); // players of a rung that stopped see its end; the source goes on
            }

            DropPending();
            await _reader.DisposeAsync().ConfigureAwait(false);
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Waits for the video configuration and the first keyframe, and the frame rate (from the bitstream, or measured
    /// over the first frames, which are kept for ffmpeg). Null when the stream ends first or cannot be transcoded.
    /// </summary>
    private async Task<double?> StartAsync(CancellationToken cancellationToken)
    {
        var videoFrames = 0;
        long firstVideo = 0, lastVideo = 0;
        while (await _reader.Items.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_reader.Items.TryRead(out var item))
            {
                switch (item.Kind)
                {
                    case StreamItemKind.VideoConfig:
                        _video = item.Video;
                        DropPending();
                        videoFrames = 0;
                        break;
                    case StreamItemKind.AudioConfig:
                        _audio = item.Audio;
                        break;
                    case StreamItemKind.Gap:
                        DropPending();
                        videoFrames = 0;
                        break;
                    case StreamItemKind.Frame:
                        var frame = item.Frame!;
                        if (_video is null || frame.Kind == MediaKind.Data || (_pending.Count == 0 && !(frame.Kind == MediaKind.Video && frame.IsKeyframe)))
                        {
                            frame.Release();
                            break;
                        }

                        if (_stream.Multitrack)
                        {
                            frame.Release(); // the input's own tracks are its renditions (set before its first frame)
                            return null;
                        }

                        if (_video.Codec != VideoCodec.Avc)
                        {
                            // ffmpeg is fed legacy FLV, which carries H.264 only: HEVC and AV1 play as the source alone.
                            frame.Release();
                            LogNotTranscoded(_logger, _stream.ChannelArn, _stream.StreamId, _video.Codec.ToString());
                            return null;
                        }

                        _pending.Add(frame);
                        if (frame.Kind == MediaKind.Video)
                        {
                            firstVideo = videoFrames == 0 ? frame.Timestamp : firstVideo;
                            lastVideo = frame.Timestamp;
                            videoFrames++;
                        }

                        if (_video.FrameRate is > 0 and <= 240 && videoFrames > 0)
                        {
                            return _video.FrameRate.Value;
                        }

                        if (videoFrames >= FramesToMeasure && lastVideo > firstVideo)
                        {
                            return Math.Round((videoFrames - 1) * 1000.0 / (lastVideo - firstVideo), 2);
                        }

                        break;
                }
            }
        }

        return null;
    }

    /// <summary>Skips to the source's next video keyframe (a restart begins there) and keeps it for ffmpeg; false when the stream ended.</summary>
    private async Task<bool> NextKeyframeAsync(CancellationToken cancellationToken)
    {
        while (await _reader.Items.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_reader.Items.TryRead(out var item))
            {
                if (item.Kind == StreamItemKind.VideoConfig)
                {
                    _video = item.Video;
                }
                else if (item.Kind == StreamItemKind.AudioConfig)
                {
                    _audio = item.Audio;
                }
                else if (item.Frame is { } frame)
                {
                    if (frame.Kind == MediaKind.Video && frame.IsKeyframe)
                    {
                        _pending.Add(frame);
                        return true;
                    }

                    frame.Release();
                }
            }
        }

        return false;
    }

    /// <summary>One ffmpeg run. Null when the stream ended; otherwise why ffmpeg failed.</summary>
    private async Task<string?> RunProcessAsync(string directory, LiveRendition[] renditions, double frameRate, CancellationToken cancellationToken)
    {
        var rungs = renditions.Select(r => r.Rung).ToArray();
        var outputs = new string[rungs.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = Path.Combine(directory, $"rung{i}.flv");
            File.Delete(outputs[i]);
            if (MakeFifo(outputs[i], 0x180) != 0) // 0600
            {
                throw new IOException($"mkfifo {outputs[i]} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        if (_pending.Count == 0 && !await NextKeyframeAsync(cancellationToken).ConfigureAwait(false))
        {
            return null; // the stream ended before ffmpeg could start again
        }

        if (_video!.Codec != VideoCodec.Avc)
        {
            LogNotTranscoded(_logger, _stream.ChannelArn, _stream.StreamId, _video.Codec.ToString());
            return null; // switched to a codec legacy FLV cannot carry: the transcoded rungs end, the source plays on
        }

        if (_base == long.MinValue)
        {
            _base = _pending[0].Timestamp - FeedStart;
        }

        var arguments = FfmpegLadderCommand.Build(rungs, outputs, frameRate, _audio is not null, _transcoding.X264Preset);
        Process process;
        try
        {
            process = StartProcess(arguments);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"The transcoder could not start ({_transcoding.Ffmpeg}: {e.Message}).";
        }

        using var _ = process;
        ProcessId = process.Id;
        var errors = new Queue<string>();
        var errorPump = PumpErrorsAsync(process, errors);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = new long[renditions.Length];
        Array.Fill(progress, long.MinValue);
        var readers = renditions.Select((r, i) => Task.Run(() => ReadRungAsync(outputs[i], r, i, progress, run.Token))).ToArray();
        var feeding = FeedAsync(process.StandardInput.BaseStream, run.Token);
        var exited = process.WaitForExitAsync(run.Token);
        var watchdog = WatchAsync(progress, run.Token);
        string? failure;
        try
        {
            var first = await Task.WhenAny(feeding, exited, watchdog).ConfigureAwait(false);
            if (first == feeding && feeding.Result == FeedResult.StreamEnded)
            {
                // Let ffmpeg finish what it has, then stop.
                await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(5), _time, cancellationToken)).ConfigureAwait(false);
                failure = null;
            }
            else if (first == feeding && feeding.Result == FeedResult.ConfigurationChanged)
            {
                failure = null;
                LogRestartingForNewConfiguration(_logger, _stream.ChannelArn, _stream.StreamId);
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                failure = null; // the stream ended or the server is stopping
            }
            else if (first == watchdog)
            {
                failure = watchdog.Result;
            }
            else
            {
                await exited.ConfigureAwait(false);
                await errorPump.WaitAsync(TimeSpan.FromSeconds(2), _time, CancellationToken.None).ConfigureAwait(false);
                failure = $"The transcoder exited (code {(process.HasExited ? process.ExitCode : -1)}): {string.Join(" / ", errors)}";
            }
        }
        finally
        {
            await run.CancelAsync().ConfigureAwait(false);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ProcessId = null;
            UnblockFifos(outputs, readers);
            await Task.WhenAll(readers.Append(errorPump).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            await Task.WhenAll(feeding, watchdog).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        return failure is null && feeding.IsCompletedSuccessfully && feeding.Result == FeedResult.ConfigurationChanged
            ? await RunProcessAsync(directory, renditions, frameRate, cancellationToken).ConfigureAwait(false)
            : failure;
    }

    private enum FeedResult
    {
        StreamEnded,
        ConfigurationChanged,
        Cancelled,
    }

    /// <summary>Writes the pending frames, then every frame the hub delivers, to ffmpeg as FLV.</summary>
    private async Task<FeedResult> FeedAsync(Stream stdin, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * 1024);
        var waitingForKeyframe = _pending.Count == 0;
        try
        {
            FlvWriter.WriteHeader(buffer, hasVideo: true, hasAudio: _audio is not null);
            var configTime = _pending.Count > 0 ? _pending[0].Timestamp - _base : 0;
            FlvWriter.WriteVideoConfig(buffer, _video!, Math.Max(0, configTime));
            if (_audio is not null)
            {
                FlvWriter.WriteAudioConfig(buffer, _audio, Math.Max(0, configTime));
            }

            foreach (var frame in _pending)
            {
                FlvWriter.WriteFrame(buffer, frame, frame.Timestamp - _base);
            }

            DropPending();
            while (true)
            {
                await stdin.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
                buffer.ResetWrittenCount();
                if (!await _reader.Items.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    stdin.Close(); // end of input: ffmpeg flushes its encoders and exits
                    return FeedResult.StreamEnded;
                }

                while (buffer.WrittenCount < 128 * 1024 && _reader.Items.TryRead(out var item))
                {
                    switch (item.Kind)
                    {
                        case StreamItemKind.VideoConfig:
                            if (!SameVideo(_video!, item.Video!))
                            {
                                _video = item.Video;
                                return FeedResult.ConfigurationChanged;
                            }

                            break;
                        case StreamItemKind.AudioConfig:
                            if (_audio is null || !_audio.AudioSpecificConfig.AsSpan().SequenceEqual(item.Audio!.AudioSpecificConfig))
                            {
                                _audio = item.Audio;
                                return FeedResult.ConfigurationChanged;
                            }

                            break;
                        case StreamItemKind.Gap:
                            waitingForKeyframe = true;
                            break;
                        case StreamItemKind.Frame:
                            var frame = item.Frame!;
                            try
                            {
                                if (waitingForKeyframe && frame.Kind == MediaKind.Video && frame.IsKeyframe)
                                {
                                    waitingForKeyframe = false;
                                }

                                var time = frame.Timestamp - _base;
                                if (!waitingForKeyframe && time >= 0 && frame.Kind != MediaKind.Data)
                                {
                                    FlvWriter.WriteFrame(buffer, frame, time);
                                }
                            }
                            finally
                            {
                                frame.Release();
                            }

                            break;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return FeedResult.Cancelled; // ffmpeg went away (its exit is the failure reported) or the run is over
        }
    }

    /// <summary>Reads one rung's FLV from its FIFO and publishes it to the rendition on the source's clock.</summary>
    private async Task ReadRungAsync(string path, LiveRendition rendition, int index, long[] progress, CancellationToken cancellationToken)
    {
        // Opening a FIFO blocks until ffmpeg opens it for writing (or UnblockFifos does).
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var pipe = PipeReader.Create(file, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var flv = new FlvMediaReader { TimestampOffset = _base };
        var headerRead = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = await pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!headerRead)
                {
                    headerRead = FlvFileReader.TryReadHeader(ref buffer, out _);
                }

                while (headerRead && FlvFileReader.TryReadTag(ref buffer, out var tag))
                {
                    switch (flv.Read(tag, out var frame))
                    {
                        case FlvMediaItem.VideoConfig when rendition.Video is null || !SameVideo(rendition.Video, flv.Video!):
                            rendition.SetVideo(flv.Video!);
                            break;
                        case FlvMediaItem.AudioConfig when rendition.Audio is null || !rendition.Audio.AudioSpecificConfig.AsSpan().SequenceEqual(flv.Audio!.AudioSpecificConfig):
                            rendition.SetAudio(flv.Audio!);
                            break;
                        case FlvMediaItem.Frame:
                            Volatile.Write(ref progress[index], frame!.Timestamp);
                            rendition.Publish(frame);
                            break;
                    }
                }

                pipe.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Media.MediaFormatException)
        {
            if (e is Media.MediaFormatException)
            {
                LogBadOutput(_logger, e, _stream.ChannelArn, rendition.Name);
            }
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Fails the run when a rung trails the source by more than the allowed lag (ffmpeg slower than real time).</summary>
    private async Task<string> WatchAsync(long[] progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var maxLag = (long)_transcoding.MaxLag.TotalMilliseconds;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var source = _stream.LastTimestamp;
            var slowest = long.MaxValue;
            for (var i = 0; i < progress.Length; i++)
            {
                slowest = Math.Min(slowest, Volatile.Read(ref progress[i]));
            }

            var running = _time.GetElapsedTime(started);
            if (slowest == long.MinValue ? running.TotalMilliseconds > 2 * maxLag : source - slowest > maxLag)
            {
                return slowest == long.MinValue
                    ? $"The transcoder produced nothing in {running.TotalSeconds:0} s."
                    : $"The transcoder fell behind real time ({(source - slowest) / 1000.0:0.0} s behind the source).";
            }
        }

        return "cancelled";
    }

    private Process StartProcess(IReadOnlyList<string> arguments)
    {
        var nice = _transcoding.Niceness > 0;
        var start = new ProcessStartInfo(nice ? "nice" : _transcoding.Ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            UseShellExecute = false,
        };
        if (nice)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(_transcoding.Niceness.ToString(System.Globalization.CultureInfo.InvariantCulture));
            start.ArgumentList.Add(_transcoding.Ffmpeg);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
    }

    /// <summary>Keeps ffmpeg's last error lines (its reason, when it fails).</summary>
    private static async Task PumpErrorsAsync(Process process, Queue<string> errors)
    {
        while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (errors)
            {
                errors.Enqueue(line.Length > 300 ? line[..300] : line);
                if (errors.Count > 3)
                {
                    errors.Dequeue();
                }
            }
        }
    }

    /// <summary>A reader still blocked opening its FIFO (ffmpeg died first) is released by opening the other end.</summary>
    private static void UnblockFifos(string[] outputs, Task[] readers)
    {
        for (var i = 0; i < outputs.Length; i++)
        {
            if (!readers[i].IsCompleted)
            {
                var path = outputs[i];
                _ = Task.Run(() =>
                {
                    try
                    {
                        using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
                    }
                    catch (IOException)
                    {
                    }
                });
            }
        }
    }

    private static bool SameVideo(VideoTrackInfo a, VideoTrackInfo b) => a.DecoderConfiguration.AsSpan().SequenceEqual(b.DecoderConfiguration);

    private void DropPending()
    {
        foreach (var frame in _pending)
        {
            frame.Release();
        }

        _pending.Clear();
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Channel {ChannelArn} stream {StreamId}: transcoding to {Ladder}")]
    private static partial void LogStarted(ILogger logger, string channelArn, string streamId, string ladder);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Channel {ChannelArn} stream {StreamId}: transcoder failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string channelArn, string streamId, string reason);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Channel {ChannelArn} stream {StreamId}: transcoder gave up after {Failures} failures; the source rendition plays on")]
    private static partial void LogGaveUp(ILogger logger, string channelArn, string streamId, int failures);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Channel {ChannelArn} stream {StreamId}: {Codec} video is served as the source rendition only (not transcoded)")]
    private static partial void LogNotTranscoded(ILogger logger, string channelArn, string streamId, string codec);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "Channel {ChannelArn} stream {StreamId}: the source's configuration changed; restarting the transcoder")]
    private static partial void LogRestartingForNewConfiguration(ILogger logger, string channelArn, string streamId);

    [LoggerMessage(EventId = 705, Level = LogLevel.Warning, Message = "Channel {ChannelArn} rendition {Rendition}: unreadable transcoder output")]
    private static partial void LogBadOutput(ILogger logger, Exception exception, string channelArn, string rendition);
}
