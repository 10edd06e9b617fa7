using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Recording;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Api.Service;

/// <summary>
/// The IVS operations. One partial file per resource (Channels, StreamKeys, ...), each method the
/// behaviour of one operation; the generated layer has already bound and validated the input against
/// the model, so these methods hold only the service's own rules.
/// </summary>
public sealed partial class IvsService(
    OpenIvsOptions options,
    ResourceTables tables,
    DocumentStore store,
    EndpointNames endpoints,
    PaginationTokens tokens,
    ILiveStreams liveStreams,
    IRecordingDestinations recordingDestinations,
    TimeProvider time,
    ILogger<IvsService> logger) : IIvsService, Auth.IResourceTags
{
    private readonly string _region = options.Region;
    private readonly string _account = options.AccountId;
    private readonly QuotaOptions _quotas = options.Quotas;

    private string Arn(string type, string id) => $"arn:aws:ivs:{_region}:{_account}:{type}/{id}";

    /// <summary>
    /// The id of an ARN of <paramref name="type"/> in this account and region, or null when the ARN names
    /// something that cannot exist here (then the resource is simply not found).
    /// </summary>
    private string? IdOf(string? arn, string type) =>
        IvsArn.TryParse(arn, out var parsed) && parsed.Value.Region == _region && parsed.Value.Account == _account && parsed.Value.Type == type
            ? parsed.Value.Id
            : null;

    private static BatchError NotAuthorized(string arn, string action) =>
        new() { Arn = arn, Code = AccessDeniedException.Code, Message = $"Not authorized to perform: {action} on resource: {arn}" };

    /// <summary>IAM action names of the operations that authorize item by item.</summary>
    private static class IvsOperationsAction
    {
        public static readonly string BatchGetChannel = Protocol.Operations.IvsOperations.BatchGetChannel.Action;
        public static readonly string BatchGetStreamKey = Protocol.Operations.IvsOperations.BatchGetStreamKey.Action;
        public static readonly string BatchStartViewerSessionRevocation = Protocol.Operations.IvsOperations.BatchStartViewerSessionRevocation.Action;
    }

    private static ResourceNotFoundException NotFound(string what, string? arn) =>
        new($"{what} not found: {arn}");

    private static T Clone<T>(T value, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), typeInfo)!;

    private static Dictionary<string, string> CopyTags(Dictionary<string, string>? tags) =>
        tags is null ? new(StringComparer.Ordinal) : new(tags, StringComparer.Ordinal);

    /// <summary>Rules for tags beyond the model's patterns: the <c>aws:</c> prefix is reserved.</summary>
    private void CheckTags(IReadOnlyDictionary<string, string>? tags, int existing = 0)
    {
        if (tags is null)
        {
            return;
        }

        foreach (var key in tags.Keys)
        {
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new ValidationException($"Tag keys starting with 'aws:' are reserved for AWS use: '{key}'.");
            }
        }

        if (existing + tags.Count > _quotas.TagsPerResource)
        {
            throw new ValidationException($"A resource can have at most {_quotas.TagsPerResource} tags.");
        }
    }

    IReadOnlyDictionary<string, string>? Auth.IResourceTags.TagsOf(string arn)
    {
        try
        {
            return TagsOf(arn);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The Batch* reads: each ARN is authorized and looked up on its own; refusals and misses become per-item
    /// errors, and the request itself succeeds.
    /// </summary>
    private (List<TShape> Found, List<BatchError> Errors) BatchGet<TRecord, TShape>(
        IEnumerable<string> arns, DocumentTable<TRecord> table, string type, string what, string action, Func<TRecord, TShape> shape)
        where TRecord : class
    {
        var found = new List<TShape>();
        var errors = new List<BatchError>();
        foreach (var arn in arns.Distinct(StringComparer.Ordinal))
        {
            if (!Auth.CallerContext.Allows(action, arn))
            {
                errors.Add(NotAuthorized(arn, action));
            }
            else if (IdOf(arn, type) is { } id && table.TryGet(id, out var record))
            {
                found.Add(shape(record));
            }
            else
            {
                errors.Add(new BatchError { Arn = arn, Code = ResourceNotFoundException.Code, Message = $"{what} not found: {arn}" });
            }
        }

        return (found, errors);
    }

    /// <summary>Lists one page of a table in creation order.</summary>
    private (List<TOut> Items, string? NextToken) Page<T, TOut>(
        DocumentTable<T> table, string listing, string? nextToken, int? maxResults, int defaultMax, Func<T, bool>? filter, Func<T, TOut> map)
        where T : class
    {
        var after = tokens.Read(listing, nextToken);
        var max = maxResults ?? defaultMax;
        var ordered = table.Ordered;
        var items = new List<TOut>(Math.Min(max, ordered.Length));
        long last = 0;
        for (var i = DocumentTable<T>.IndexAfter(ordered, after); i < ordered.Length; i++)
        {
            var entry = ordered[i];
            if (filter is not null && !filter(entry.Value))
            {
                continue;
            }

            if (items.Count == max)
            {
                return (items, tokens.Create(listing, last));
            }

            items.Add(map(entry.Value));
            last = entry.Sequence;
        }

        return (items, null);
    }
}
