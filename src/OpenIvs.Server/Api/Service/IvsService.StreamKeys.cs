using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateStreamKeyResponse> CreateStreamKeyAsync(CreateStreamKeyRequest request, CancellationToken cancellationToken)
    {
        CheckTags(request.Tags);
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var channel = RequireChannel(request.ChannelArn).Channel;
        var existing = tables.StreamKeys.Values.Count(k => k.Key.ChannelArn == channel.Arn);
        if (existing >= _quotas.StreamKeysPerChannel)
        {
            throw new ServiceQuotaExceededException(
                $"Channel {channel.Arn} already has {existing} stream key(s), its quota. To rotate, delete the key (DeleteStreamKey) and create a new one.");
        }

        var keyId = ResourceIds.NewResourceId();
        var key = new StreamKey
        {
            Arn = Arn(ResourceType.StreamKey, keyId),
            Value = ResourceIds.NewStreamKeyValue(_region, keyId),
            ChannelArn = channel.Arn,
            Tags = CopyTags(request.Tags),
        };
        write.Put(tables.StreamKeys, keyId, new StreamKeyRecord { Key = key });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreateStreamKeyResponse { StreamKey = key };
    }

    public ValueTask<GetStreamKeyResponse> GetStreamKeyAsync(GetStreamKeyRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetStreamKeyResponse { StreamKey = RequireStreamKey(request.Arn).Key });

    public ValueTask<BatchGetStreamKeyResponse> BatchGetStreamKeyAsync(BatchGetStreamKeyRequest request, CancellationToken cancellationToken)
    {
        var (keys, errors) = BatchGet(request.Arns!, tables.StreamKeys, ResourceType.StreamKey, "Stream key", IvsOperationsAction.BatchGetStreamKey, r => r.Key);
        return ValueTask.FromResult(new BatchGetStreamKeyResponse { StreamKeys = keys, Errors = errors });
    }

    public ValueTask<ListStreamKeysResponse> ListStreamKeysAsync(ListStreamKeysRequest request, CancellationToken cancellationToken)
    {
        var channelArn = RequireChannel(request.ChannelArn).Channel.Arn;
        var (items, next) = Page(
            tables.StreamKeys,
            "ListStreamKeys|" + channelArn,
            request.NextToken,
            request.MaxResults,
            defaultMax: 1,
            r => r.Key.ChannelArn == channelArn,
            r => new StreamKeySummary { Arn = r.Key.Arn, ChannelArn = r.Key.ChannelArn, Tags = r.Key.Tags });
        return ValueTask.FromResult(new ListStreamKeysResponse { StreamKeys = items, NextToken = next });
    }

    public async ValueTask DeleteStreamKeyAsync(DeleteStreamKeyRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var key = RequireStreamKey(request.Arn).Key;
        write.Delete(tables.StreamKeys, IdOf(key.Arn, ResourceType.StreamKey)!);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private StreamKeyRecord RequireStreamKey(string? arn) =>
        IdOf(arn, ResourceType.StreamKey) is { } id && tables.StreamKeys.TryGet(id, out var record)
            ? record
            : throw NotFound("Stream key", arn);
}
