using System.Threading.Channels;

namespace OpenIvs.Server.Streams;

/// <summary>
/// One consumer of a live stream (packager, recorder, thumbnailer) with its own bounded queue. Ingest
/// never waits for a reader: when the queue is full the frame is dropped for this reader only, the reader
/// is told with a <see cref="StreamItemKind.Gap"/>, and it resumes at the next video keyframe.
/// </summary>
public sealed class LiveStreamReader : IAsyncDisposable
{
    private readonly Channel<StreamItem> _queue;
    private readonly Action<LiveStreamReader> _detach;
    private bool _waitingForKeyframe;
    private long _dropped;

    internal LiveStreamReader(string name, int capacity, Action<LiveStreamReader> detach)
    {
        Name = name;
        _detach = detach;
        _queue = Channel.CreateBounded<StreamItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // never blocks: the writer only uses TryWrite
        });
    }

    public string Name { get; }

    /// <summary>Frames this reader lost because it was too slow.</summary>
    public long DroppedFrames => Interlocked.Read(ref _dropped);

    public ChannelReader<StreamItem> Items => _queue.Reader;

    /// <summary>Called by the stream's single writer (the ingest loop).</summary>
    internal void Offer(in StreamItem item)
    {
        if (item.Kind == StreamItemKind.Frame)
        {
            var frame = item.Frame!;
            if (_waitingForKeyframe)
            {
                if (frame.Kind != Media.Frames.MediaKind.Video || !frame.IsKeyframe)
                {
                    Interlocked.Increment(ref _dropped);
                    return;
                }

                if (!_queue.Writer.TryWrite(new StreamItem(StreamItemKind.Gap)))
                {
                    Interlocked.Increment(ref _dropped);
                    return;
                }

                _waitingForKeyframe = false;
            }

            frame.Retain();
            if (!_queue.Writer.TryWrite(item))
            {
                frame.Release();
                Interlocked.Increment(ref _dropped);
                _waitingForKeyframe = true;
            }

            return;
        }

        // Configuration changes must not be lost: if the queue is full, the reader restarts after a gap anyway.
        if (!_queue.Writer.TryWrite(item))
        {
            _waitingForKeyframe = true;
        }
    }

    internal void Complete() => _queue.Writer.TryComplete();

    /// <summary>Stops receiving and releases every frame still queued.</summary>
    public ValueTask DisposeAsync()
    {
        _detach(this);
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var item))
        {
            item.Frame?.Release();
        }

        return ValueTask.CompletedTask;
    }
}
