using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public ValueTask<ListTagsForResourceResponse> ListTagsForResourceAsync(ListTagsForResourceRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListTagsForResourceResponse { Tags = CopyTags(TagsOf(request.ResourceArn)) });

    public async ValueTask<TagResourceResponse> TagResourceAsync(TagResourceRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var tags = CopyTags(TagsOf(request.ResourceArn));
        var added = request.Tags!.Where(t => !tags.ContainsKey(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        CheckTags(request.Tags);
        CheckTags(added, existing: tags.Count);
        foreach (var (key, value) in request.Tags!)
        {
            tags[key] = value;
        }

        ReplaceTags(write, request.ResourceArn!, tags);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TagResourceResponse();
    }

    public async ValueTask<UntagResourceResponse> UntagResourceAsync(UntagResourceRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var tags = CopyTags(TagsOf(request.ResourceArn));
        foreach (var key in request.TagKeys!)
        {
            tags.Remove(key);
        }

        ReplaceTags(write, request.ResourceArn!, tags);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new UntagResourceResponse();
    }

    /// <summary>The tags of any taggable resource; not found for an unknown ARN or resource type.</summary>
    internal Dictionary<string, string>? TagsOf(string? arn)
    {
        if (!IvsArn.TryParse(arn, out var parsed) || parsed.Value.Region != _region || parsed.Value.Account != _account)
        {
            throw NotFound("Resource", arn);
        }

        var id = parsed.Value.Id;
        return parsed.Value.Type switch
        {
            ResourceType.Channel when tables.Channels.TryGet(id, out var r) => r.Channel.Tags,
            ResourceType.StreamKey when tables.StreamKeys.TryGet(id, out var r) => r.Key.Tags,
            ResourceType.PlaybackKey when tables.PlaybackKeyPairs.TryGet(id, out var r) => r.KeyPair.Tags,
            ResourceType.RecordingConfiguration when tables.RecordingConfigurations.TryGet(id, out var r) => r.Configuration.Tags,
            ResourceType.PlaybackRestrictionPolicy when tables.PlaybackRestrictionPolicies.TryGet(id, out var r) => r.Policy.Tags,
            ResourceType.AdConfiguration when tables.AdConfigurations.TryGet(id, out var r) => r.Configuration.Tags,
            _ => throw NotFound("Resource", arn),
        };
    }

    private void ReplaceTags(DocumentWrite write, string arn, Dictionary<string, string> tags)
    {
        IvsArn.TryParse(arn, out var parsed);
        var id = parsed!.Value.Id;
        switch (parsed.Value.Type)
        {
            case ResourceType.Channel:
                var channelRecord = tables.Channels.TryGet(id, out var c) ? c : throw NotFound("Resource", arn);
                var channel = Clone(channelRecord.Channel, IvsJsonContext.Default.Channel);
                channel.Tags = tags;
                write.Put(tables.Channels, id, new ChannelRecord { Channel = channel, EndpointPrefix = channelRecord.EndpointPrefix, CreatedAt = channelRecord.CreatedAt });
                break;
            case ResourceType.StreamKey:
                var key = Clone(tables.StreamKeys.TryGet(id, out var k) ? k.Key : throw NotFound("Resource", arn), IvsJsonContext.Default.StreamKey);
                key.Tags = tags;
                write.Put(tables.StreamKeys, id, new StreamKeyRecord { Key = key });
                break;
            case ResourceType.PlaybackKey:
                var keyPairRecord = tables.PlaybackKeyPairs.TryGet(id, out var p) ? p : throw NotFound("Resource", arn);
                var keyPair = Clone(keyPairRecord.KeyPair, IvsJsonContext.Default.PlaybackKeyPair);
                keyPair.Tags = tags;
                write.Put(tables.PlaybackKeyPairs, id, new PlaybackKeyPairRecord { KeyPair = keyPair, PublicKeyPem = keyPairRecord.PublicKeyPem });
                break;
            case ResourceType.RecordingConfiguration:
                var recording = Clone(tables.RecordingConfigurations.TryGet(id, out var rc) ? rc.Configuration : throw NotFound("Resource", arn), IvsJsonContext.Default.RecordingConfiguration);
                recording.Tags = tags;
                write.Put(tables.RecordingConfigurations, id, new RecordingConfigurationRecord { Configuration = recording });
                break;
            case ResourceType.PlaybackRestrictionPolicy:
                var policy = Clone(tables.PlaybackRestrictionPolicies.TryGet(id, out var prp) ? prp.Policy : throw NotFound("Resource", arn), IvsJsonContext.Default.PlaybackRestrictionPolicy);
                policy.Tags = tags;
                write.Put(tables.PlaybackRestrictionPolicies, id, new PlaybackRestrictionPolicyRecord { Policy = policy });
                break;
            case ResourceType.AdConfiguration:
                var ad = Clone(tables.AdConfigurations.TryGet(id, out var a) ? a.Configuration : throw NotFound("Resource", arn), IvsJsonContext.Default.AdConfiguration);
                ad.Tags = tags;
                write.Put(tables.AdConfigurations, id, new AdConfigurationRecord { Configuration = ad });
                break;
            default:
                throw NotFound("Resource", arn);
        }
    }
}
