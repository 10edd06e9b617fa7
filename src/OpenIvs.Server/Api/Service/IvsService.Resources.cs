using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Api.Service;

/// <summary>
/// The rules every stored resource shares, written once over <see cref="ResourceKind{TRecord, TShape}"/>:
/// lookups by ARN, create (tags, quota, one durable write), clone-merge-put update, delete unless a
/// channel refers to it, and listing in creation order.
/// </summary>
public sealed partial class IvsService
{
    /// <summary>The record an ARN names; <see cref="ResourceNotFoundException"/> when there is none.</summary>
    private TRecord Require<TRecord, TShape>(ResourceKind<TRecord, TShape> kind, string? arn)
        where TRecord : class
        where TShape : class =>
        resources.Find(kind, arn) ?? throw NotFound(kind.Noun, arn);

    /// <summary>
    /// Creates one resource under the write lock: checks the tags, runs <paramref name="check"/> (rules that
    /// read other resources), enforces the account quota (none when null), and stores what
    /// <paramref name="build"/> makes of a new id (it may add related documents to the same write).
    /// </summary>
    private async ValueTask<TShape> CreateAsync<TRecord, TShape>(
        ResourceKind<TRecord, TShape> kind,
        IReadOnlyDictionary<string, string>? tags,
        int? quota,
        Func<string, DocumentWrite, TRecord> build,
        CancellationToken cancellationToken,
        Action? check = null)
        where TRecord : class
        where TShape : class
    {
        CheckTags(tags);
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        check?.Invoke();
        if (quota is { } max && kind.Table.Count >= max)
        {
            throw new ServiceQuotaExceededException($"The account has reached its quota of {max} {kind.Plural}.");
        }

        var id = ResourceIds.NewResourceId();
        var record = build(id, write);
        write.Put(kind.Table, id, record);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return kind.Shape(record);
    }

    /// <summary>
    /// Updates one resource under the write lock: <paramref name="change"/> gets the stored record (to check)
    /// and a deep copy of its shape (to change); the copy is stored and returned.
    /// </summary>
    private async ValueTask<TShape> UpdateAsync<TRecord, TShape>(
        ResourceKind<TRecord, TShape> kind, string? arn, Action<TRecord, TShape> change, CancellationToken cancellationToken)
        where TRecord : class
        where TShape : class
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var record = Require(kind, arn);
        var shape = kind.Replace(write, resources.IdOf(arn, kind.ArnType)!, record, copy => change(record, copy));
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return shape;
    }

    /// <summary>
    /// Deletes one resource under the write lock, refusing (<see cref="ConflictException"/>) while a channel
    /// refers to it through <paramref name="reference"/>. <paramref name="also"/> may check the record and
    /// delete what belongs to it in the same write.
    /// </summary>
    private async ValueTask DeleteAsync<TRecord, TShape>(
        ResourceKind<TRecord, TShape> kind,
        string? arn,
        CancellationToken cancellationToken,
        Func<Channel, string?>? reference = null,
        Action<TRecord, DocumentWrite>? also = null)
        where TRecord : class
        where TShape : class
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var record = Require(kind, arn);
        var id = resources.IdOf(arn, kind.ArnType)!;
        if (reference is not null)
        {
            var canonical = resources.Arn(kind.ArnType, id);
            if (tables.Channels.Values.FirstOrDefault(c => reference(c.Channel) == canonical) is { } user)
            {
                throw new ConflictException($"{kind.Noun} {canonical} is used by channel {user.Channel.Arn}.");
            }
        }

        also?.Invoke(record, write);
        write.Delete(kind.Table, id);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of a resource table, in creation order (filtered when <paramref name="filter"/> is set).</summary>
    private (List<TOut> Items, string? NextToken) Page<TRecord, TShape, TOut>(
        ResourceKind<TRecord, TShape> kind, string listing, string? nextToken, int maxResults, Func<TShape, TOut> map, Func<TRecord, bool>? filter = null)
        where TRecord : class
        where TShape : class =>
        tokens.Page<DocumentEntry<TRecord>, TOut>(
            listing,
            nextToken,
            maxResults,
            kind.Table.Ordered,
            e => new PageKey(e.Sequence, e.Id),
            e => map(kind.Shape(e.Value)),
            filter is null ? null : e => filter(e.Value));
}
