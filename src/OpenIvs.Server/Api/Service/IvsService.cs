using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Recording;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Api.Service;

/// <summary>
/// The IVS operations. One partial file per resource (Channels, StreamKeys, ...), each method the
/// behaviour of one operation; the generated layer has already bound and validated the input against
/// the model, so these methods hold only the service's own rules. The rules every resource shares
/// (create, update, delete, lookups) are in <c>IvsService.Resources.cs</c>.
/// </summary>
public sealed partial class IvsService(
    ServiceAccount account,
    QuotaOptions quotas,
    ResourceCatalog resources,
    DocumentStore store,
    EndpointNames endpoints,
    PaginationTokens tokens,
    ILiveStreams liveStreams,
    IRecordingDestinations recordingDestinations,
    TimeProvider time,
    ILogger<IvsService> logger) : IIvsService
{
    private readonly ResourceTables tables = resources.Tables;
    private readonly string _region = account.Region;
    private readonly QuotaOptions _quotas = quotas;

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

    private static Dictionary<string, string> CopyTags(IReadOnlyDictionary<string, string>? tags) =>
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

    /// <summary>
    /// The Batch* reads: each ARN is authorized for the caller and looked up on its own; refusals and misses
    /// become per-item errors, and the request itself succeeds.
    /// </summary>
    private (List<TShape> Found, List<BatchError> Errors) BatchGet<TRecord, TShape>(
        CallerContext caller, IEnumerable<string> arns, ResourceKind<TRecord, TShape> kind, string action)
        where TRecord : class
        where TShape : class
    {
        var found = new List<TShape>();
        var errors = new List<BatchError>();
        foreach (var arn in arns.Distinct(StringComparer.Ordinal))
        {
            if (!caller.Allows(action, arn))
            {
                errors.Add(NotAuthorized(arn, action));
            }
            else if (resources.Find(kind, arn) is { } record)
            {
                found.Add(kind.Shape(record));
            }
            else
            {
                errors.Add(new BatchError { Arn = arn, Code = ResourceNotFoundException.Code, Message = $"{kind.Noun} not found: {arn}" });
            }
        }

        return (found, errors);
    }
}
