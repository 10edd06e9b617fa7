using System.Text.Json.Nodes;
using OpenIvs.Client.Runtime;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>One call of every operation, with inputs that exercise each binding (labels, repeated query,
/// nested structures, enums, maps, lists, non-ASCII text), as typed requests and as @aws-sdk/client-ivs input.</summary>
public sealed record OperationCase(string Operation, object Request, Func<IIvsClient, CancellationToken, Task> Invoke, JsonObject JsInput)
{
    public override string ToString() => Operation;
}

public static class OperationCatalog
{
    public const string ChannelArn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh";
    public const string StreamKeyArn = "arn:aws:ivs:us-west-2:123456789012:stream-key/ABcdef34ghIJ";
    public const string RecordingArn = "arn:aws:ivs:us-west-2:123456789012:recording-configuration/ABcdef34ghIJ";
    public const string PolicyArn = "arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy/ABcdef34ghIJ";
    public const string KeyPairArn = "arn:aws:ivs:us-west-2:123456789012:playback-key/ABcdef34ghIJ";
    public const string AdArn = "arn:aws:ivs:us-west-2:123456789012:ad-configuration/ABcdef34ghIJ";
    public const string MediaTailorArn = "arn:aws:mediatailor:us-west-2:123456789012:playbackConfiguration/demo";

    public static IReadOnlyList<OperationCase> All { get; } = Build();

    private static List<OperationCase> Build()
    {
        var tags = new Dictionary<string, string> { ["team"] = "vidéo ✓", ["env"] = "test" };
        return
        [
            Case("BatchGetChannel", new BatchGetChannelRequest { Arns = [ChannelArn, ChannelArn.Replace("abcd", "wxyz", StringComparison.Ordinal)] }, (c, r, t) => c.BatchGetChannelAsync(r, t)),
            Case("BatchGetStreamKey", new BatchGetStreamKeyRequest { Arns = [StreamKeyArn] }, (c, r, t) => c.BatchGetStreamKeyAsync(r, t)),
            Case("BatchStartViewerSessionRevocation", new BatchStartViewerSessionRevocationRequest
            {
                ViewerSessions = [new() { ChannelArn = ChannelArn, ViewerId = "viewer-1", ViewerSessionVersionsLessThanOrEqualTo = 7 }, new() { ChannelArn = ChannelArn, ViewerId = "viewer-2" }],
            }, (c, r, t) => c.BatchStartViewerSessionRevocationAsync(r, t)),
            Case("CreateAdConfiguration", new CreateAdConfigurationRequest
            {
                Name = "ads",
                MediaTailorPlaybackConfigurations = [new() { PlaybackConfigurationArn = MediaTailorArn }],
                Tags = tags,
                PostRollConfiguration = new() { Enabled = true, DurationSeconds = 30 },
            }, (c, r, t) => c.CreateAdConfigurationAsync(r, t)),
            Case("CreateChannel", new CreateChannelRequest
            {
                Name = "demo-channel",
                LatencyMode = ChannelLatencyMode.Low,
                Type = ChannelType.AdvancedHd,
                Authorized = true,
                InsecureIngest = false,
                Preset = TranscodePreset.HigherBandwidthDelivery,
                RecordingConfigurationArn = RecordingArn,
                PlaybackRestrictionPolicyArn = PolicyArn,
                MultitrackInputConfiguration = new() { Enabled = true, Policy = MultitrackPolicy.Require, MaximumResolution = MultitrackMaximumResolution.FullHd },
                ContainerFormat = ContainerFormat.FragmentedMp4,
                Tags = tags,
            }, (c, r, t) => c.CreateChannelAsync(r, t)),
            Case("CreatePlaybackRestrictionPolicy", new CreatePlaybackRestrictionPolicyRequest
            {
                AllowedCountries = ["US", "MX"],
                AllowedOrigins = ["https://example.com"],
                EnableStrictOriginEnforcement = true,
                Name = "policy",
                Tags = tags,
            }, (c, r, t) => c.CreatePlaybackRestrictionPolicyAsync(r, t)),
            Case("CreateRecordingConfiguration", new CreateRecordingConfigurationRequest
            {
                Name = "rec",
                DestinationConfiguration = new() { S3 = new() { BucketName = "bucket-1" } },
                RecordingReconnectWindowSeconds = 60,
                ThumbnailConfiguration = new() { RecordingMode = RecordingMode.Interval, TargetIntervalSeconds = 30, Resolution = ThumbnailConfigurationResolution.Hd, Storage = [ThumbnailConfigurationStorage.Sequential, ThumbnailConfigurationStorage.Latest] },
                RenditionConfiguration = new() { RenditionSelection = RenditionConfigurationRenditionSelection.Custom, Renditions = [RenditionConfigurationRendition.FullHd, RenditionConfigurationRendition.Sd] },
                Tags = tags,
            }, (c, r, t) => c.CreateRecordingConfigurationAsync(r, t)),
            Case("CreateStreamKey", new CreateStreamKeyRequest { ChannelArn = ChannelArn, Tags = tags }, (c, r, t) => c.CreateStreamKeyAsync(r, t)),
            Case("DeleteAdConfiguration", new DeleteAdConfigurationRequest { Arn = AdArn }, (c, r, t) => c.DeleteAdConfigurationAsync(r, t)),
            Case("DeleteChannel", new DeleteChannelRequest { Arn = ChannelArn }, (c, r, t) => c.DeleteChannelAsync(r, t)),
            Case("DeletePlaybackKeyPair", new DeletePlaybackKeyPairRequest { Arn = KeyPairArn }, (c, r, t) => c.DeletePlaybackKeyPairAsync(r, t)),
            Case("DeletePlaybackRestrictionPolicy", new DeletePlaybackRestrictionPolicyRequest { Arn = PolicyArn }, (c, r, t) => c.DeletePlaybackRestrictionPolicyAsync(r, t)),
            Case("DeleteRecordingConfiguration", new DeleteRecordingConfigurationRequest { Arn = RecordingArn }, (c, r, t) => c.DeleteRecordingConfigurationAsync(r, t)),
            Case("DeleteStreamKey", new DeleteStreamKeyRequest { Arn = StreamKeyArn }, (c, r, t) => c.DeleteStreamKeyAsync(r, t)),
            Case("GetAdConfiguration", new GetAdConfigurationRequest { Arn = AdArn }, (c, r, t) => c.GetAdConfigurationAsync(r, t)),
            Case("GetChannel", new GetChannelRequest { Arn = ChannelArn }, (c, r, t) => c.GetChannelAsync(r, t)),
            Case("GetPlaybackKeyPair", new GetPlaybackKeyPairRequest { Arn = KeyPairArn }, (c, r, t) => c.GetPlaybackKeyPairAsync(r, t)),
            Case("GetPlaybackRestrictionPolicy", new GetPlaybackRestrictionPolicyRequest { Arn = PolicyArn }, (c, r, t) => c.GetPlaybackRestrictionPolicyAsync(r, t)),
            Case("GetRecordingConfiguration", new GetRecordingConfigurationRequest { Arn = RecordingArn }, (c, r, t) => c.GetRecordingConfigurationAsync(r, t)),
            Case("GetStream", new GetStreamRequest { ChannelArn = ChannelArn }, (c, r, t) => c.GetStreamAsync(r, t)),
            Case("GetStreamKey", new GetStreamKeyRequest { Arn = StreamKeyArn }, (c, r, t) => c.GetStreamKeyAsync(r, t)),
            Case("GetStreamSession", new GetStreamSessionRequest { ChannelArn = ChannelArn, StreamId = "st-1A2b3c4D5e6F78ghij9Klmn" }, (c, r, t) => c.GetStreamSessionAsync(r, t)),
            Case("ImportPlaybackKeyPair", new ImportPlaybackKeyPairRequest
            {
                PublicKeyMaterial = "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE\n-----END PUBLIC KEY-----\n",
                Name = "key",
                Tags = tags,
            }, (c, r, t) => c.ImportPlaybackKeyPairAsync(r, t)),
            Case("InsertAdBreak", new InsertAdBreakRequest { ChannelArn = ChannelArn, DurationSeconds = 30 }, (c, r, t) => c.InsertAdBreakAsync(r, t)),
            Case("ListAdConfigurations", new ListAdConfigurationsRequest { MaxResults = 10, NextToken = "tok" }, (c, r, t) => c.ListAdConfigurationsAsync(r, t)),
            Case("ListChannels", new ListChannelsRequest { FilterByName = "demo", MaxResults = 5, NextToken = "abc" }, (c, r, t) => c.ListChannelsAsync(r, t)),
            Case("ListPlaybackKeyPairs", new ListPlaybackKeyPairsRequest(), (c, r, t) => c.ListPlaybackKeyPairsAsync(r, t)),
            Case("ListPlaybackRestrictionPolicies", new ListPlaybackRestrictionPoliciesRequest { MaxResults = 2 }, (c, r, t) => c.ListPlaybackRestrictionPoliciesAsync(r, t)),
            Case("ListRecordingConfigurations", new ListRecordingConfigurationsRequest { MaxResults = 3 }, (c, r, t) => c.ListRecordingConfigurationsAsync(r, t)),
            Case("ListStreamKeys", new ListStreamKeysRequest { ChannelArn = ChannelArn, MaxResults = 1 }, (c, r, t) => c.ListStreamKeysAsync(r, t)),
            Case("ListStreamSessions", new ListStreamSessionsRequest { ChannelArn = ChannelArn, MaxResults = 4 }, (c, r, t) => c.ListStreamSessionsAsync(r, t)),
            Case("ListStreams", new ListStreamsRequest { FilterBy = new() { Health = StreamHealth.Healthy }, MaxResults = 50 }, (c, r, t) => c.ListStreamsAsync(r, t)),
            Case("ListTagsForResource", new ListTagsForResourceRequest { ResourceArn = ChannelArn }, (c, r, t) => c.ListTagsForResourceAsync(r, t), new JsonObject { ["resourceArn"] = ChannelArn }),
            Case("PutMetadata", new PutMetadataRequest { ChannelArn = ChannelArn, Metadata = "{\"score\":\"1–0\",\"q\":\"é?&=\"}" }, (c, r, t) => c.PutMetadataAsync(r, t)),
            Case("StartViewerSessionRevocation", new StartViewerSessionRevocationRequest { ChannelArn = ChannelArn, ViewerId = "viewer-1", ViewerSessionVersionsLessThanOrEqualTo = 1700000000 }, (c, r, t) => c.StartViewerSessionRevocationAsync(r, t)),
            Case("StopStream", new StopStreamRequest { ChannelArn = ChannelArn }, (c, r, t) => c.StopStreamAsync(r, t)),
            Case("TagResource", new TagResourceRequest { ResourceArn = ChannelArn, Tags = tags }, (c, r, t) => c.TagResourceAsync(r, t), new JsonObject { ["resourceArn"] = ChannelArn }),
            Case("UntagResource", new UntagResourceRequest { ResourceArn = ChannelArn, TagKeys = ["team", "a key/with=odd&chars", "ünï"] }, (c, r, t) => c.UntagResourceAsync(r, t),
                new JsonObject { ["resourceArn"] = ChannelArn, ["tagKeys"] = new JsonArray("team", "a key/with=odd&chars", "ünï") }),
            Case("UpdateAdConfiguration", new UpdateAdConfigurationRequest
            {
                Arn = AdArn,
                Name = "ads-2",
                MediaTailorPlaybackConfigurations = [new() { PlaybackConfigurationArn = MediaTailorArn }],
                PostRollConfiguration = new() { Enabled = false },
            }, (c, r, t) => c.UpdateAdConfigurationAsync(r, t)),
            Case("UpdateChannel", new UpdateChannelRequest
            {
                Arn = ChannelArn,
                Name = "renamed",
                LatencyMode = ChannelLatencyMode.Normal,
                Type = ChannelType.Basic,
                Authorized = false,
                RecordingConfigurationArn = string.Empty,
                ContainerFormat = ContainerFormat.Ts,
            }, (c, r, t) => c.UpdateChannelAsync(r, t)),
            Case("UpdatePlaybackRestrictionPolicy", new UpdatePlaybackRestrictionPolicyRequest
            {
                Arn = PolicyArn,
                AllowedCountries = [],
                AllowedOrigins = ["https://a.example", "https://b.example"],
                EnableStrictOriginEnforcement = false,
            }, (c, r, t) => c.UpdatePlaybackRestrictionPolicyAsync(r, t)),
        ];
    }

    private static OperationCase Case<TRequest>(string operation, TRequest request, Func<IIvsClient, TRequest, CancellationToken, Task> invoke, JsonObject? uriMembers = null)
        where TRequest : class
    {
        var typeInfo = IvsClientJson.Context.GetTypeInfo(typeof(TRequest))!;
        var input = System.Text.Json.JsonSerializer.SerializeToNode(request, typeInfo)!.AsObject();
        foreach (var (name, value) in uriMembers ?? [])
        {
            input[name] = value?.DeepClone();
        }

        return new OperationCase(operation, request, (client, token) => invoke(client, request, token), input);
    }
}
