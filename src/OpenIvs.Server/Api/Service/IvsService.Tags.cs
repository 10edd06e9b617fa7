using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public ValueTask<ListTagsForResourceResponse> ListTagsForResourceAsync(
        ListTagsForResourceRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListTagsForResourceResponse { Tags = CopyTags(RequireTags(request.ResourceArn)) });

    public async ValueTask<TagResourceResponse> TagResourceAsync(TagResourceRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var tags = CopyTags(RequireTags(request.ResourceArn));
        var added = request.Tags!.Where(t => !tags.ContainsKey(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        CheckTags(request.Tags);
        CheckTags(added, existing: tags.Count);
        foreach (var (key, value) in request.Tags!)
        {
            tags[key] = value;
        }

        ReplaceTags(write, request.ResourceArn, tags);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TagResourceResponse();
    }

    public async ValueTask<UntagResourceResponse> UntagResourceAsync(UntagResourceRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var tags = CopyTags(RequireTags(request.ResourceArn));
        foreach (var key in request.TagKeys!)
        {
            tags.Remove(key);
        }

        ReplaceTags(write, request.ResourceArn, tags);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new UntagResourceResponse();
    }

    /// <summary>The tags of any taggable resource; not found for an unknown ARN or resource type.</summary>
    private IReadOnlyDictionary<string, string> RequireTags(string? arn) => resources.TagsOf(arn) ?? throw NotFound("Resource", arn);

    private void ReplaceTags(Storage.DocumentWrite write, string? arn, Dictionary<string, string> tags)
    {
        if (!resources.TryTaggable(arn, out var kind, out var id) || !kind.TryReplaceTags(write, id, tags))
        {
            throw NotFound("Resource", arn);
        }
    }
}
