using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateStreamKeyResponse> CreateStreamKeyAsync(CreateStreamKeyRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var key = await CreateAsync(
            tables.StreamKeyKind,
            request.Tags,
            quota: null,
            (id, _) => StreamKeyRecord(id, request.ChannelArn!, request.Tags),
            cancellationToken,
            check: () =>
            {
                // The quota is per channel, not per account.
                var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
                var existing = tables.StreamKeys.Values.Count(k => k.Key.ChannelArn == channel.Arn);
                if (existing >= _quotas.StreamKeysPerChannel)
                {
                    throw new ServiceQuotaExceededException(
                        $"Channel {channel.Arn} already has {existing} stream key(s), its quota. To rotate, delete the key (DeleteStreamKey) and create a new one.");
                }
            }).ConfigureAwait(false);
        return new CreateStreamKeyResponse { StreamKey = key };
    }

    public ValueTask<GetStreamKeyResponse> GetStreamKeyAsync(GetStreamKeyRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetStreamKeyResponse { StreamKey = Require(tables.StreamKeyKind, request.Arn).Key });

    public ValueTask<BatchGetStreamKeyResponse> BatchGetStreamKeyAsync(BatchGetStreamKeyRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var (keys, errors) = BatchGet(caller, request.Arns!, tables.StreamKeyKind, IvsOperationsAction.BatchGetStreamKey);
        return ValueTask.FromResult(new BatchGetStreamKeyResponse { StreamKeys = keys, Errors = errors });
    }

    public ValueTask<ListStreamKeysResponse> ListStreamKeysAsync(ListStreamKeysRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channelArn = Require(tables.ChannelKind, request.ChannelArn).Channel.Arn;
        var (items, next) = Page(
            tables.StreamKeyKind,
            "ListStreamKeys|" + channelArn,
            request.NextToken,
            request.MaxResults ?? 1,
            k => new StreamKeySummary { Arn = k.Arn, ChannelArn = k.ChannelArn, Tags = k.Tags },
            r => r.Key.ChannelArn == channelArn);
        return ValueTask.FromResult(new ListStreamKeysResponse { StreamKeys = items, NextToken = next });
    }

    public ValueTask DeleteStreamKeyAsync(DeleteStreamKeyRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        DeleteAsync(tables.StreamKeyKind, request.Arn, cancellationToken);

    /// <summary>Adds a new stream key of a channel to a write (CreateChannel creates one with the channel).</summary>
    private StreamKey NewStreamKey(DocumentWrite write, string channelArn, IReadOnlyDictionary<string, string>? tags)
    {
        var keyId = ResourceIds.NewResourceId();
        var record = StreamKeyRecord(keyId, channelArn, tags);
        write.Put(tables.StreamKeys, keyId, record);
        return record.Key;
    }

    private StreamKeyRecord StreamKeyRecord(string keyId, string channelArn, IReadOnlyDictionary<string, string>? tags) => new()
    {
        Key = new StreamKey
        {
            Arn = resources.Arn(ResourceType.StreamKey, keyId),
            Value = ResourceIds.NewStreamKeyValue(_region, keyId),
            ChannelArn = channelArn,
            Tags = CopyTags(tags),
        },
    };
}
