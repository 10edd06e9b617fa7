using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Auth;

/// <summary>
/// What IAM sees of each operation: the resource it acts on and the tags it carries. A resource's own
/// ARN for operations on one resource; the channel's ARN for operations on a channel's streams, keys,
/// sessions and viewers; <c>*</c> for account-level List and Create operations. The three Batch*
/// operations are authorized per item by the service (refusals become per-item errors).
/// </summary>
public static class OperationResources
{
    public const string AnyResource = "*";

    public static OperationAccess Describe(OperationInfo operation, object input) => input switch
    {
        BatchGetChannelRequest or BatchGetStreamKeyRequest or BatchStartViewerSessionRevocationRequest => OperationAccess.PerItem,

        CreateAdConfigurationRequest r => Create(r.Tags),
        CreateChannelRequest r => Create(r.Tags),
        CreatePlaybackRestrictionPolicyRequest r => Create(r.Tags),
        CreateRecordingConfigurationRequest r => Create(r.Tags),
        ImportPlaybackKeyPairRequest r => Create(r.Tags),
        CreateStreamKeyRequest r => new([r.ChannelArn!], r.Tags, r.Tags?.Keys.ToList()),

        DeleteAdConfigurationRequest r => One(r.Arn),
        DeleteChannelRequest r => One(r.Arn),
        DeletePlaybackKeyPairRequest r => One(r.Arn),
        DeletePlaybackRestrictionPolicyRequest r => One(r.Arn),
        DeleteRecordingConfigurationRequest r => One(r.Arn),
        DeleteStreamKeyRequest r => One(r.Arn),
        GetAdConfigurationRequest r => One(r.Arn),
        GetChannelRequest r => One(r.Arn),
        GetPlaybackKeyPairRequest r => One(r.Arn),
        GetPlaybackRestrictionPolicyRequest r => One(r.Arn),
        GetRecordingConfigurationRequest r => One(r.Arn),
        GetStreamKeyRequest r => One(r.Arn),
        UpdateAdConfigurationRequest r => One(r.Arn),
        UpdateChannelRequest r => One(r.Arn),
        UpdatePlaybackRestrictionPolicyRequest r => One(r.Arn),

        GetStreamRequest r => One(r.ChannelArn),
        GetStreamSessionRequest r => One(r.ChannelArn),
        InsertAdBreakRequest r => One(r.ChannelArn),
        ListStreamKeysRequest r => One(r.ChannelArn),
        ListStreamSessionsRequest r => One(r.ChannelArn),
        PutMetadataRequest r => One(r.ChannelArn),
        StartViewerSessionRevocationRequest r => One(r.ChannelArn),
        StopStreamRequest r => One(r.ChannelArn),

        ListAdConfigurationsRequest or ListChannelsRequest or ListPlaybackKeyPairsRequest or ListPlaybackRestrictionPoliciesRequest
            or ListRecordingConfigurationsRequest or ListStreamsRequest => One(AnyResource),

        ListTagsForResourceRequest r => One(r.ResourceArn),
        TagResourceRequest r => new([r.ResourceArn!], r.Tags, r.Tags?.Keys.ToList()),
        UntagResourceRequest r => new([r.ResourceArn!], null, r.TagKeys),

        _ => throw new InvalidOperationException($"No IAM resource mapping for {operation.Name}."),
    };

    private static OperationAccess One(string? arn) => new([arn ?? AnyResource], null, null);

    private static OperationAccess Create(Dictionary<string, string>? tags) => new([AnyResource], tags, tags?.Keys.ToList());
}

/// <summary>The resources an operation is authorized against, and the tags in its request.</summary>
public sealed record OperationAccess(IReadOnlyList<string> Resources, IReadOnlyDictionary<string, string>? RequestTags, IReadOnlyList<string>? TagKeys)
{
    public static OperationAccess PerItem { get; } = new([], null, null);
}
