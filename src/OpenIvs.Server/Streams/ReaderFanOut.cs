using OpenIvs.Media.Frames;

namespace OpenIvs.Server.Streams;

/// <summary>
/// The readers of one rendition (the source of a <see cref="LiveStream"/>, or a <see cref="LiveRendition"/>)
/// and its current track configurations: a late reader gets the configurations first and starts at the next
/// keyframe. One writer offers items; readers are added and removed from any thread.
/// </summary>
internal sealed class ReaderFanOut
{
    private readonly object _lock = new();
    private LiveStreamReader[] _readers = [];
    private bool _completed;

    public VideoTrackInfo? Video { get; private set; }

    public AudioTrackInfo? Audio { get; private set; }

    public IReadOnlyList<LiveStreamReader> Readers => Volatile.Read(ref _readers);

    public LiveStreamReader AddReader(string name, int capacity)
    {
        var reader = new LiveStreamReader(name, capacity, RemoveReader);
        lock (_lock)
        {
            if (Video is { } video)
            {
                reader.Offer(new StreamItem(StreamItemKind.VideoConfig, Video: video));
            }

            if (Audio is { } audio)
            {
                reader.Offer(new StreamItem(StreamItemKind.AudioConfig, Audio: audio));
            }

            // A new reader begins at a keyframe: behave as if it had just fallen behind.
            reader.Offer(new StreamItem(StreamItemKind.Gap));
            if (_completed)
            {
                reader.Complete(); // added after the end: it reads nothing
            }

            _readers = [.. _readers, reader];
        }

        return reader;
    }

    public void SetVideo(VideoTrackInfo video)
    {
        lock (_lock)
        {
            Video = video;
            Offer(new StreamItem(StreamItemKind.VideoConfig, Video: video));
        }
    }

    public void SetAudio(AudioTrackInfo audio)
    {
        lock (_lock)
        {
            Audio = audio;
            Offer(new StreamItem(StreamItemKind.AudioConfig, Audio: audio));
        }
    }

    public void Offer(in StreamItem item)
    {
        foreach (var reader in Volatile.Read(ref _readers))
        {
            reader.Offer(item);
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            foreach (var reader in _readers)
            {
                reader.Complete();
            }
        }
    }

    private void RemoveReader(LiveStreamReader reader)
    {
        lock (_lock)
        {
            _readers = [.. _readers.Where(r => r != reader)];
        }
    }
}
