using OpenIvs.Media.Frames;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Tests.Streams;

/// <summary>Renditions besides the source: added through the hub (listeners told), fanned out like the source, ended with the stream.</summary>
public class LiveRenditionTests
{
    [Fact]
    public async Task ARenditionHasItsOwnTracksAndReadersAndEndsWithTheStream()
    {
        await using var h = await HubHarness.CreateAsync();
        var listener = new Listener();
        h.Hub.AddListener(listener);
        var (_, key) = await h.AddChannelAsync();
        var stream = h.Begin(key);
        var rung = new LadderRung("360p30", 640, 360, 30, 630_000, 64_000, RungKind.Transcoded);

        var rendition = h.Hub.AddRendition(stream, rung)!;
        Assert.Same(rendition, Assert.Single(listener.Added));
        Assert.Same(rendition, Assert.Single(stream.Renditions));
        var early = rendition.AddReader("early", 16);
        rendition.SetVideo(HubHarness.Video(640, 360));
        rendition.Publish(HubHarness.Frame(0, keyframe: true));
        var late = rendition.AddReader("late", 16); // the configuration first, then a gap (its consumer starts at a keyframe)
        rendition.Publish(HubHarness.Frame(33));
        rendition.Publish(HubHarness.Frame(2000, keyframe: true));

        Assert.Equal([StreamItemKind.Gap, StreamItemKind.VideoConfig, StreamItemKind.Frame, StreamItemKind.Frame, StreamItemKind.Frame], Kinds(early));
        Assert.Equal([StreamItemKind.VideoConfig, StreamItemKind.Gap, StreamItemKind.Frame, StreamItemKind.Frame], Kinds(late));
        Assert.Empty(stream.Readers); // the source's readers are not the rendition's

        h.Hub.End(stream, StreamEndReason.PublisherLeft("test"));
        Assert.True(early.Items.Completion.IsCompleted && late.Items.Completion.IsCompleted);
        Assert.Null(h.Hub.AddRendition(stream, rung with { Name = "160p30" })); // too late
        var after = rendition.AddReader("after", 4);
        Assert.Equal([StreamItemKind.VideoConfig, StreamItemKind.Gap], Kinds(after)); // and nothing more: it is complete
        Assert.True(after.Items.Completion.IsCompleted);
    }

    private static List<StreamItemKind> Kinds(LiveStreamReader reader)
    {
        var kinds = new List<StreamItemKind>();
        while (reader.Items.TryRead(out var item))
        {
            kinds.Add(item.Kind);
            item.Frame?.Release();
        }

        return kinds;
    }

    private sealed class Listener : ILiveStreamListener
    {
        public List<LiveRendition> Added { get; } = [];

        public void OnBroadcastBegan(LiveStream stream)
        {
        }

        public void OnBroadcastEnded(LiveStream stream)
        {
        }

        public void OnRenditionAdded(LiveRendition rendition) => Added.Add(rendition);
    }
}
