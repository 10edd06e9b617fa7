using System.Security.Cryptography;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;

namespace OpenIvs.Client.Tests;

/// <summary>
/// Every operation through the SDK against the real server on loopback: each call succeeds with the
/// expected output, or (for operations that need a live stream) fails with the modelled error as its typed
/// exception, with the request id of the response.
/// </summary>
public sealed class ServerOperationTests : IAsyncLifetime
{
    private readonly HashSet<string> _called = new(StringComparer.Ordinal);
    private OpenIvsTestServer _server = null!;
    private IvsClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await OpenIvsTestServer.StartAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task EveryOperationRunsAgainstTheServer()
    {
        var ct = CancellationToken.None;
        var tags = new Dictionary<string, string> { ["team"] = "vidéo" };

        // Recording configuration, playback restriction policy, ad configuration, key pair.
        var recording = (await Call("CreateRecordingConfiguration", () => _client.CreateRecordingConfigurationAsync(new()
        {
            Name = "rec",
            DestinationConfiguration = new() { S3 = new() { BucketName = "bucket-1" } },
            Tags = tags,
        }, ct))).RecordingConfiguration!;
        Assert.StartsWith("arn:aws:ivs:us-west-2:", recording.Arn);
        Assert.Equal("bucket-1", (await Call("GetRecordingConfiguration", () => _client.GetRecordingConfigurationAsync(new() { Arn = recording.Arn }, ct))).RecordingConfiguration!.DestinationConfiguration!.S3!.BucketName);
        Assert.Contains((await Call("ListRecordingConfigurations", () => _client.ListRecordingConfigurationsAsync(new(), ct))).RecordingConfigurations!, r => r.Arn == recording.Arn);

        var policy = (await Call("CreatePlaybackRestrictionPolicy", () => _client.CreatePlaybackRestrictionPolicyAsync(new()
        {
            AllowedCountries = ["US"],
            AllowedOrigins = ["https://example.com"],
            Name = "policy",
        }, ct))).PlaybackRestrictionPolicy!;
        var updatedPolicy = (await Call("UpdatePlaybackRestrictionPolicy", () => _client.UpdatePlaybackRestrictionPolicyAsync(new() { Arn = policy.Arn, AllowedCountries = ["US", "MX"] }, ct))).PlaybackRestrictionPolicy!;
        Assert.Equal(["US", "MX"], updatedPolicy.AllowedCountries);
        Assert.Equal(policy.Arn, (await Call("GetPlaybackRestrictionPolicy", () => _client.GetPlaybackRestrictionPolicyAsync(new() { Arn = policy.Arn }, ct))).PlaybackRestrictionPolicy!.Arn);
        Assert.Contains((await Call("ListPlaybackRestrictionPolicies", () => _client.ListPlaybackRestrictionPoliciesAsync(new(), ct))).PlaybackRestrictionPolicies!, p => p.Arn == policy.Arn);

        var ad = (await Call("CreateAdConfiguration", () => _client.CreateAdConfigurationAsync(new()
        {
            Name = "ads",
            MediaTailorPlaybackConfigurations = [new() { PlaybackConfigurationArn = "arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/demo" }],
        }, ct))).AdConfiguration!;
        Assert.Equal("ads-2", (await Call("UpdateAdConfiguration", () => _client.UpdateAdConfigurationAsync(new() { Arn = ad.Arn, Name = "ads-2" }, ct))).AdConfiguration!.Name);
        Assert.Equal(ad.Arn, (await Call("GetAdConfiguration", () => _client.GetAdConfigurationAsync(new() { Arn = ad.Arn }, ct))).AdConfiguration!.Arn);
        Assert.Contains((await Call("ListAdConfigurations", () => _client.ListAdConfigurationsAsync(new(), ct))).AdConfigurations!, a => a.Arn == ad.Arn);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var keyPair = (await Call("ImportPlaybackKeyPair", () => _client.ImportPlaybackKeyPairAsync(new() { PublicKeyMaterial = key.ExportSubjectPublicKeyInfoPem(), Name = "key" }, ct))).KeyPair!;
        Assert.Equal("key", (await Call("GetPlaybackKeyPair", () => _client.GetPlaybackKeyPairAsync(new() { Arn = keyPair.Arn }, ct))).KeyPair!.Name);
        Assert.Contains((await Call("ListPlaybackKeyPairs", () => _client.ListPlaybackKeyPairsAsync(new(), ct))).KeyPairs!, k => k.Arn == keyPair.Arn);

        // Channel and stream key.
        var created = await Call("CreateChannel", () => _client.CreateChannelAsync(new() { Name = "demo", Authorized = true, Tags = tags }, ct));
        var channel = created.Channel!;
        Assert.NotNull(created.StreamKey!.Value);
        Assert.Equal("renamed", (await Call("UpdateChannel", () => _client.UpdateChannelAsync(new() { Arn = channel.Arn, Name = "renamed" }, ct))).Channel!.Name);
        Assert.Equal("renamed", (await Call("GetChannel", () => _client.GetChannelAsync(new() { Arn = channel.Arn }, ct))).Channel!.Name);
        Assert.Single((await Call("BatchGetChannel", () => _client.BatchGetChannelAsync(new() { Arns = [channel.Arn!] }, ct))).Channels!);
        Assert.Contains((await Call("ListChannels", () => _client.ListChannelsAsync(new() { FilterByName = "renamed" }, ct))).Channels!, c => c.Arn == channel.Arn);

        var keys = (await Call("ListStreamKeys", () => _client.ListStreamKeysAsync(new() { ChannelArn = channel.Arn }, ct))).StreamKeys!;
        var streamKeyArn = Assert.Single(keys).Arn!;
        Assert.Equal(created.StreamKey.Value, (await Call("GetStreamKey", () => _client.GetStreamKeyAsync(new() { Arn = streamKeyArn }, ct))).StreamKey!.Value);
        Assert.Single((await Call("BatchGetStreamKey", () => _client.BatchGetStreamKeyAsync(new() { Arns = [streamKeyArn] }, ct))).StreamKeys!);
        await Call("DeleteStreamKey", () => _client.DeleteStreamKeyAsync(new() { Arn = streamKeyArn }, ct));
        var newKey = (await Call("CreateStreamKey", () => _client.CreateStreamKeyAsync(new() { ChannelArn = channel.Arn }, ct))).StreamKey!;
        Assert.Equal(channel.Arn, newKey.ChannelArn);

        // Tags.
        await Call("TagResource", () => _client.TagResourceAsync(new() { ResourceArn = channel.Arn, Tags = new() { ["env"] = "test" } }, ct));
        await Call("UntagResource", () => _client.UntagResourceAsync(new() { ResourceArn = channel.Arn, TagKeys = ["team"] }, ct));
        var channelTags = (await Call("ListTagsForResource", () => _client.ListTagsForResourceAsync(new() { ResourceArn = channel.Arn }, ct))).Tags!;
        Assert.Equal(new Dictionary<string, string> { ["env"] = "test" }, channelTags);

        // Viewer revocation.
        await Call("StartViewerSessionRevocation", () => _client.StartViewerSessionRevocationAsync(new() { ChannelArn = channel.Arn, ViewerId = "viewer-1" }, ct));
        var batch = await Call("BatchStartViewerSessionRevocation", () => _client.BatchStartViewerSessionRevocationAsync(new()
        {
            ViewerSessions = [new() { ChannelArn = channel.Arn, ViewerId = "viewer-1" }],
        }, ct));
        Assert.Empty(batch.Errors ?? []);

        // Operations on a live stream: the channel is offline, so each answers its modelled error.
        await Offline<ChannelNotBroadcasting>("GetStream", () => _client.GetStreamAsync(new() { ChannelArn = channel.Arn }, ct));
        await Offline<ChannelNotBroadcasting>("StopStream", () => _client.StopStreamAsync(new() { ChannelArn = channel.Arn }, ct));
        await Offline<ChannelNotBroadcasting>("PutMetadata", () => _client.PutMetadataAsync(new() { ChannelArn = channel.Arn, Metadata = "hello" }, ct));
        await Offline<ChannelNotBroadcasting>("InsertAdBreak", () => _client.InsertAdBreakAsync(new() { ChannelArn = channel.Arn, DurationSeconds = 30 }, ct));
        await Offline<ResourceNotFoundException>("GetStreamSession", () => _client.GetStreamSessionAsync(new() { ChannelArn = channel.Arn }, ct));
        Assert.Empty((await Call("ListStreams", () => _client.ListStreamsAsync(new(), ct))).Streams!);
        Assert.Empty((await Call("ListStreamSessions", () => _client.ListStreamSessionsAsync(new() { ChannelArn = channel.Arn }, ct))).StreamSessions!);

        // Deletes (204 and 200 answers).
        await Call("DeleteChannel", () => _client.DeleteChannelAsync(new() { Arn = channel.Arn }, ct));
        await Call("DeletePlaybackKeyPair", () => _client.DeletePlaybackKeyPairAsync(new() { Arn = keyPair.Arn }, ct));
        await Call("DeletePlaybackRestrictionPolicy", () => _client.DeletePlaybackRestrictionPolicyAsync(new() { Arn = policy.Arn }, ct));
        await Call("DeleteRecordingConfiguration", () => _client.DeleteRecordingConfigurationAsync(new() { Arn = recording.Arn }, ct));
        await Call("DeleteAdConfiguration", () => _client.DeleteAdConfigurationAsync(new() { Arn = ad.Arn }, ct));
        var gone = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _client.GetChannelAsync(new() { Arn = channel.Arn }, ct));
        Assert.Equal(404, gone.StatusCode);

        Assert.Equal(IvsOperations.All.Select(o => o.Name).Order(StringComparer.Ordinal), _called.Order(StringComparer.Ordinal));
    }

    private async Task<T> Call<T>(string operation, Func<Task<T>> call)
    {
        _called.Add(operation);
        return await call();
    }

    private async Task Call(string operation, Func<Task> call)
    {
        _called.Add(operation);
        await call();
    }

    private async Task Offline<TError>(string operation, Func<Task> call)
        where TError : IvsException
    {
        _called.Add(operation);
        var error = await Assert.ThrowsAsync<TError>(call);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.False(error.IsTransient);
    }
}
