using OpenIvs.Media.Frames;

namespace OpenIvs.Server.Streams;

/// <summary>
/// A rendition of a live stream besides its source (a rung of the channel's ladder, written by the transcoder):
/// its own tracks and readers, ended with the stream. Its single writer is whoever produces it.
/// </summary>
public sealed class LiveRendition
{
    private readonly ReaderFanOut _fanOut = new();

    internal LiveRendition(LiveStream stream, LadderRung rung)
    {
        Stream = stream;
        Rung = rung;
    }

    public LiveStream Stream { get; }

    /// <summary>What the rendition is meant to be (name, size, frame rate, bitrates).</summary>
    public LadderRung Rung { get; }

    public string Name => Rung.Name;

    /// <summary>The segments the playback packager completes, for a reader that wants them (the recorder).</summary>
    public SegmentTap Segments { get; } = new();

    public VideoTrackInfo? Video => _fanOut.Video;

    public AudioTrackInfo? Audio => _fanOut.Audio;

    public IReadOnlyList<LiveStreamReader> Readers => _fanOut.Readers;

    /// <summary>Adds a reader; see <see cref="LiveStream.AddReader"/>.</summary>
    public LiveStreamReader AddReader(string name, int capacity) => _fanOut.AddReader(name, capacity);

    public void SetVideo(VideoTrackInfo video) => _fanOut.SetVideo(video);

    public void SetAudio(AudioTrackInfo audio) => _fanOut.SetAudio(audio);

    /// <summary>Fans a frame out to the rendition's readers and releases the caller's reference.</summary>
    public void Publish(MediaFrame frame)
    {
        try
        {
            _fanOut.Offer(StreamItem.ForFrame(frame));
        }
        finally
        {
            frame.Release();
        }
    }

    internal void Complete() => _fanOut.Complete();
}
