using System.Runtime.CompilerServices;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Streams.Lifecycle;

namespace OpenIvs.Server.Tests.Streams;

/// <summary>The hub's promises, on a fake clock: admission, fan-out to readers, and how streams end.</summary>
public class LiveStreamHubTests
{
    [Fact]
    public async Task ASlowReaderLosesFramesUpToTheNextKeyframeWhileThePublisherAndOtherReadersGoOn()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, key) = await h.AddChannelAsync();
        var stream = h.Begin(key);
        h.Hub.SetVideo(stream, HubHarness.Video());
        var slow = stream.AddReader("slow", capacity: 8);
        var fast = stream.AddReader("fast", capacity: 1024);

        // 100 frames, a keyframe every 10; the slow reader reads nothing until the end.
        var kept = new List<MediaFrame>();
        for (var i = 0; i < 100; i++)
        {
            var frame = HubHarness.Frame(i * 33, keyframe: i % 10 == 0);
            kept.Add(frame.Retain());
            h.Hub.Publish(stream, frame);
        }

        var fastItems = Drain(fast);
        var fastFrames = fastItems.Where(i => i.Kind == StreamItemKind.Frame).Select(i => i.Frame!.Timestamp).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 33L), fastFrames);

        // The slow reader got what fitted, lost the rest, and was told so; the next frame it would see is a keyframe.
        var slowItems = Drain(slow);
        Assert.True(slow.DroppedFrames > 80, $"dropped {slow.DroppedFrames}");
        var more = HubHarness.Frame(100 * 33, keyframe: false);
        kept.Add(more.Retain());
        h.Hub.Publish(stream, more);
        var keyframe = HubHarness.Frame(101 * 33, keyframe: true);
        kept.Add(keyframe.Retain());
        h.Hub.Publish(stream, keyframe);
        var resumed = Drain(slow);
        Assert.Equal(StreamItemKind.Gap, resumed[0].Kind);
        Assert.True(resumed[1].Frame!.IsKeyframe);
        Assert.Equal(101 * 33, resumed[1].Frame!.Timestamp);
        Assert.DoesNotContain(resumed, i => i.Frame?.Timestamp == 100 * 33);

        // Every reference the hub took is given back once the readers have released what they read.
        foreach (var item in slowItems.Concat(resumed).Concat(fastItems).Concat(Drain(fast)))
        {
            item.Frame?.Release();
        }

        await slow.DisposeAsync();
        await fast.DisposeAsync();
        foreach (var frame in kept)
        {
            frame.Release();
            Assert.Throws<ObjectDisposedException>(() => frame.Payload);
        }
    }

    [Fact]
    public async Task AdmissionLooksTheKeyUpAndRefusesWhatIvsRefuses()
    {
        await using var h = await HubHarness.CreateAsync(o => o.Quotas.ConcurrentStreams = 2);
        var (secure, secureKey) = await h.AddChannelAsync();
        var (_, otherKey) = await h.AddChannelAsync(insecureIngest: true);
        var (_, thirdKey) = await h.AddChannelAsync(insecureIngest: true);

        Assert.Equal(PublishRefusal.UnknownStreamKey, h.Hub.TryBegin(secureKey[..^3] + "xyz", IngestTransport.Rtmps, () => { }).Refusal);
        Assert.Equal(PublishRefusal.InsecureIngestNotAllowed, h.Hub.TryBegin(secureKey, IngestTransport.Rtmp, () => { }).Refusal);
        Assert.Empty(h.TakeFacts());

        var live = h.Begin(secureKey);
        Assert.Equal(PublishRefusal.AlreadyLive, h.Hub.TryBegin(secureKey, IngestTransport.Rtmps, () => { }).Refusal);
        h.Begin(otherKey, transport: IngestTransport.Rtmp);
        Assert.Equal(PublishRefusal.ConcurrentBroadcastsQuota, h.Hub.TryBegin(thirdKey, IngestTransport.Rtmp, () => { }).Refusal);

        var facts = h.TakeFacts();
        Assert.Equal(2, facts.OfType<BroadcastBegan>().Count());
        var breach = Assert.Single(facts.OfType<LimitBreached>());
        Assert.Null(breach.Stream);
        Assert.Equal(new LimitBreach("Concurrent Broadcasts", 2, 1, "active streams"), breach.Breach);
        Assert.Same(live, h.Hub.Find(secure.Arn!));
    }

    [Fact]
    public async Task ADeletedKeyNoLongerAdmitsAndANewOneDoes()
    {
        await using var h = await HubHarness.CreateAsync();
        var (channel, key) = await h.AddChannelAsync();
        var keyId = h.Resources.StreamKeys.Values.Single(k => k.Key.Value == key).Key.Arn!.Split('/')[^1];
        await using (var write = await h.Store.BeginWriteAsync(CancellationToken.None))
        {
            write.Delete(h.Resources.StreamKeys, keyId);
            await write.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(PublishRefusal.UnknownStreamKey, h.Hub.TryBegin(key, IngestTransport.Rtmps, () => { }).Refusal);
        var newKey = ResourceIds.NewStreamKeyValue("us-west-2", "abcdefABCDEF");
        await using (var write = await h.Store.BeginWriteAsync(CancellationToken.None))
        {
            write.Put(h.Resources.StreamKeys, "abcdefABCDEF", new Resources.Records.StreamKeyRecord
            {
                Key = new StreamKey { Arn = "arn:aws:ivs:us-west-2:000000000000:stream-key/abcdefABCDEF", ChannelArn = channel.Arn, Value = newKey },
            });
            await write.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(channel.Arn, h.Begin(newKey).ChannelArn);
    }

    [Fact]
    public async Task StarvationStartsAtTheThresholdAndEndsWhenMediaFlowsAgain()
    {
        await using var h = await HubHarness.CreateAsync(o => o.Ingest.StarvationThreshold = TimeSpan.FromSeconds(2));
        var (_, key) = await h.AddChannelAsync();
        var stream = h.Begin(key);
        h.Hub.SetVideo(stream, HubHarness.Video());
        h.Hub.Publish(stream, HubHarness.Frame(0, keyframe: true));
        h.TakeFacts();

        h.Time.Advance(TimeSpan.FromMilliseconds(1990));
        h.Monitor.CheckAll();
        Assert.Empty(h.TakeFacts());
        Assert.Equal(StreamHealth.Healthy, stream.Health);

        h.Time.Advance(TimeSpan.FromMilliseconds(10));
        h.Monitor.CheckAll();
        var start = Assert.IsType<HealthChanged>(Assert.Single(h.TakeFacts()));
        Assert.Equal(StreamHealth.Starving, start.Health);
        Assert.Equal(StreamHealth.Starving, stream.Health);
        h.Monitor.CheckAll();
        Assert.Empty(h.TakeFacts()); // reported once, not on every check

        h.Hub.Publish(stream, HubHarness.Frame(2000));
        h.Monitor.CheckAll();
        Assert.Equal(StreamHealth.Healthy, Assert.IsType<HealthChanged>(Assert.Single(h.TakeFacts())).Health);
        Assert.Equal(StreamHealth.Healthy, stream.Health);
    }

    [Fact]
    public async Task AStreamThatSendsNothingForTheIdleTimeoutIsEndedAndSaysWhy()
    {
        await using var h = await HubHarness.CreateAsync(o => o.Ingest.IdleTimeout = TimeSpan.FromSeconds(30));
        var (_, key) = await h.AddChannelAsync();
        var disconnects = new StrongBox<int>();
        var stream = h.Begin(key, disconnects);
        h.Hub.Publish(stream, HubHarness.Frame(0, keyframe: true));

        h.Time.Advance(TimeSpan.FromSeconds(29.5));
        h.Monitor.CheckAll();
        Assert.Equal(0, disconnects.Value);
        h.Time.Advance(TimeSpan.FromSeconds(0.5));
        h.Monitor.CheckAll();
        Assert.Equal(1, disconnects.Value);

        // The connection closing is the protocol server's End; the monitor's reason wins over "publisher left".
        h.Hub.End(stream, StreamEndReason.PublisherLeft("connection closed"));
        var ended = h.TakeFacts().OfType<BroadcastEnded>().Single();
        Assert.Equal(StreamEndKind.IdleTimeout, ended.Reason.Kind);
        Assert.Contains("30 s", ended.Reason.Description);
        Assert.Null(h.Hub.Find(stream.ChannelArn));
    }

    [Fact]
    public async Task ABasicChannelFedAboveItsBitrateIsABreachOnceAndEnds()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, key) = await h.AddChannelAsync(ChannelType.Basic);
        var disconnects = new StrongBox<int>();
        var stream = h.Begin(key, disconnects);
        h.Hub.SetVideo(stream, HubHarness.Video());
        h.TakeFacts();

        // 30 frames a second of 20,000 bytes: 4.8 Mbps against BASIC's 3.5 Mbps above 480p.
        for (var i = 0; i < 30 * 4; i++)
        {
            h.Hub.Publish(stream, HubHarness.Frame(i * 33, keyframe: i % 30 == 0, bytes: 20_000));
            h.Time.Advance(TimeSpan.FromSeconds(1.0 / 30));
        }

        h.Monitor.CheckAll();
        h.Monitor.CheckAll();
        var breach = Assert.Single(h.TakeFacts().OfType<LimitBreached>()).Breach;
        Assert.Equal("Ingest Bitrate", breach.Name);
        Assert.Equal(3_500_000, breach.Limit);
        Assert.InRange(breach.ExceededBy, 1_000_000, 1_600_000);
        Assert.Equal("bits per second", breach.Unit);
        Assert.Equal(StreamEndKind.LimitBreach, stream.EndRequest!.Kind);
        Assert.Contains("Ingest Bitrate", stream.EndRequest.Description);
        Assert.True(disconnects.Value >= 1);
    }

    [Fact]
    public async Task APictureOverTheLimitIsABreachWithTheExcess()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, key) = await h.AddChannelAsync();
        var stream = h.Begin(key);
        h.TakeFacts();

        h.Hub.SetVideo(stream, HubHarness.Video(3840, 2160));

        var breach = Assert.Single(h.TakeFacts().OfType<LimitBreached>()).Breach;
        Assert.Equal(new LimitBreach("Ingest Resolution", 1920L * 1080, 3840L * 2160 - 1920L * 1080, "total pixels"), breach);
        Assert.Equal(StreamEndKind.LimitBreach, stream.EndRequest!.Kind);
    }

    [Fact]
    public async Task HevcOnATsChannelIsRefusedWithAReasonAndPlaysOnFmp4()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, tsKey) = await h.AddChannelAsync();
        var (_, fmp4Key) = await h.AddChannelAsync(container: ContainerFormat.FragmentedMp4);
        var ts = h.Begin(tsKey);
        var fmp4 = h.Begin(fmp4Key);

        h.Hub.SetVideo(ts, HubHarness.Video(codec: VideoCodec.Hevc));
        h.Hub.SetVideo(fmp4, HubHarness.Video(codec: VideoCodec.Hevc));
        h.Hub.End(ts, StreamEndReason.PublisherLeft("connection closed"));

        Assert.Equal(StreamEndKind.Failure, ts.EndRequest!.Kind);
        Assert.Contains("FRAGMENTED_MP4", ts.EndRequest.Failure);
        Assert.Null(fmp4.EndRequest);
        Assert.Equal(VideoCodec.Hevc, fmp4.Video!.Codec);
        Assert.Equal(StreamEndKind.Failure, h.TakeFacts().OfType<BroadcastEnded>().Single().Reason.Kind);
    }

    [Fact]
    public async Task FactsComeInTheOrderThingsHappenedAndEndIsIdempotent()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, key) = await h.AddChannelAsync();
        var stream = h.Begin(key);
        h.Hub.SetVideo(stream, HubHarness.Video());
        h.Hub.Publish(stream, HubHarness.Frame(0, keyframe: false)); // not a start: Stream Start waits for a keyframe
        h.Hub.Publish(stream, HubHarness.Frame(33, keyframe: true));
        h.Hub.Publish(stream, HubHarness.Frame(66, keyframe: true));
        h.Hub.End(stream, StreamEndReason.Stopped);
        h.Hub.End(stream, StreamEndReason.PublisherLeft("again"));

        Assert.Equal(
            [typeof(BroadcastBegan), typeof(ConfigurationChanged), typeof(StreamStarted), typeof(BroadcastEnded)],
            h.TakeFacts().Select(f => f.GetType()));
        Assert.True(stream.Ended.Task.IsCompleted);
        Assert.Empty(h.Hub.Live);
    }

    private static List<StreamItem> Drain(LiveStreamReader reader)
    {
        var items = new List<StreamItem>();
        while (reader.Items.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }
}
