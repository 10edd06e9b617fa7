using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Streams;

/// <summary>Lifecycle facts become stored sessions and IVS events, together and in order.</summary>
public class SessionRecorderTests
{
    [Fact]
    public async Task ABroadcastIsStoredAsASessionWithItsEventsInOrder()
    {
        await using var h = await HubHarness.CreateAsync();
        var (channel, key) = await h.AddChannelAsync(ChannelType.Basic);
        var recorder = h.NewRecorder();
        await recorder.StartAsync(CancellationToken.None);

        var stream = h.Begin(key);
        h.Hub.SetVideo(stream, HubHarness.Video());
        h.Hub.Publish(stream, HubHarness.Frame(0, keyframe: true));
        h.Time.Advance(TimeSpan.FromSeconds(3));
        h.Monitor.CheckAll();
        h.Hub.Publish(stream, HubHarness.Frame(3000));
        h.Monitor.CheckAll();
        h.Hub.End(stream, StreamEndReason.PublisherLeft("connection closed"));
        await stream.EndRecorded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(h.Tables.Sessions.TryGet(stream.StreamId, out var session));
        Assert.Equal(h.Time.GetUtcNow(), session.EndTime);
        Assert.Equal(channel.Arn, session.Channel.Arn);
        Assert.Equal("avc1.64001F", session.IngestConfigurations!.VideoConfigurations![0].Codec);
        string[] expected = ["Session Created", "Stream Start", "Starvation Start", "Starvation End", "Stream End", "Session Ended"];
        Assert.Equal(expected, session.Events.Select(e => e.Name));
        var events = h.StoredEvents();
        Assert.Equal(expected, events.Select(e => (string)e["detail"]!["event_name"]!));
        Assert.All(events, e => Assert.Equal(stream.StreamId, (string?)e["detail"]!["stream_id"]));
        Assert.Equal("IVS Stream Health Change", (string?)events[2]["detail-type"]);
        await recorder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AStreamFailureCarriesItsReason()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, key) = await h.AddChannelAsync();
        var recorder = h.NewRecorder();
        await recorder.StartAsync(CancellationToken.None);

        var stream = h.Begin(key);
        h.Hub.SetVideo(stream, HubHarness.Video(codec: OpenIvs.Media.Frames.VideoCodec.Hevc));
        h.Hub.End(stream, StreamEndReason.PublisherLeft("connection closed"));
        await stream.EndRecorded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var events = h.StoredEvents();
        Assert.Equal(["Session Created", "Stream Failure", "Session Ended"], events.Select(e => (string)e["detail"]!["event_name"]!));
        Assert.Contains("FRAGMENTED_MP4", (string)events[1]["detail"]!["reason"]!);
        await recorder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SessionsLeftOpenByACrashAreClosedAtTheNextStart()
    {
        var directory = TestServer.TempDirectory();
        string streamId;
        await using (var before = await HubHarness.CreateAsync(dataDirectory: directory))
        {
            var (_, key) = await before.AddChannelAsync();
            var recorder = before.NewRecorder();
            await recorder.StartAsync(CancellationToken.None);
            var stream = before.Begin(key);
            before.Hub.Publish(stream, HubHarness.Frame(0, keyframe: true));
            streamId = stream.StreamId;
            await before.WaitForStoredEventsAsync(2);

            // The process dies here: no StopAsync, the stream never ends.
        }

        await using var after = await HubHarness.CreateAsync(dataDirectory: directory);
        var restarted = after.NewRecorder();
        await restarted.StartAsync(CancellationToken.None);
        await after.WaitForStoredEventsAsync(4);

        Assert.True(after.Tables.Sessions.TryGet(streamId, out var session));
        Assert.NotNull(session.EndTime);
        Assert.Equal(["Session Created", "Stream Start", "Stream End", "Session Ended"], session.Events.Select(e => e.Name));
        await restarted.StopAsync(CancellationToken.None);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task StoppingTheServerEndsLiveStreamsAndStoresTheirEnd()
    {
        await using var h = await HubHarness.CreateAsync();
        var (_, key) = await h.AddChannelAsync();
        var recorder = h.NewRecorder();
        await recorder.StartAsync(CancellationToken.None);
        var stream = h.Begin(key);

        await recorder.StopAsync(CancellationToken.None);

        Assert.True(stream.EndRecorded.Task.IsCompletedSuccessfully);
        Assert.True(h.Tables.Sessions.TryGet(stream.StreamId, out var session));
        Assert.NotNull(session.EndTime);
        Assert.Equal(StreamEndKind.Shutdown, stream.EndRequest!.Kind);
    }
}
