using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreatePlaybackRestrictionPolicyResponse> CreatePlaybackRestrictionPolicyAsync(
        CreatePlaybackRestrictionPolicyRequest request, CancellationToken cancellationToken)
    {
        CheckTags(request.Tags);
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (tables.PlaybackRestrictionPolicies.Count >= _quotas.PlaybackRestrictionPolicies)
        {
            throw new ServiceQuotaExceededException(
                $"The account has reached its quota of {_quotas.PlaybackRestrictionPolicies} playback restriction policies.");
        }

        var id = ResourceIds.NewResourceId();
        var policy = new PlaybackRestrictionPolicy
        {
            Arn = Arn(ResourceType.PlaybackRestrictionPolicy, id),
            AllowedCountries = request.AllowedCountries ?? [],
            AllowedOrigins = request.AllowedOrigins ?? [],
            EnableStrictOriginEnforcement = request.EnableStrictOriginEnforcement ?? false,
            Name = request.Name ?? string.Empty,
            Tags = CopyTags(request.Tags),
        };
        write.Put(tables.PlaybackRestrictionPolicies, id, new PlaybackRestrictionPolicyRecord { Policy = policy });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreatePlaybackRestrictionPolicyResponse { PlaybackRestrictionPolicy = policy };
    }

    public ValueTask<GetPlaybackRestrictionPolicyResponse> GetPlaybackRestrictionPolicyAsync(
        GetPlaybackRestrictionPolicyRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetPlaybackRestrictionPolicyResponse { PlaybackRestrictionPolicy = RequirePolicy(request.Arn).Policy });

    public ValueTask<ListPlaybackRestrictionPoliciesResponse> ListPlaybackRestrictionPoliciesAsync(
        ListPlaybackRestrictionPoliciesRequest request, CancellationToken cancellationToken)
    {
        // The model documents a default page size of 1 for this operation.
        var (items, next) = Page(
            tables.PlaybackRestrictionPolicies, "ListPlaybackRestrictionPolicies", request.NextToken, request.MaxResults, 1, null,
            r => new PlaybackRestrictionPolicySummary
            {
                Arn = r.Policy.Arn,
                AllowedCountries = r.Policy.AllowedCountries,
                AllowedOrigins = r.Policy.AllowedOrigins,
                EnableStrictOriginEnforcement = r.Policy.EnableStrictOriginEnforcement,
                Name = r.Policy.Name,
                Tags = r.Policy.Tags,
            });
        return ValueTask.FromResult(new ListPlaybackRestrictionPoliciesResponse { PlaybackRestrictionPolicies = items, NextToken = next });
    }

    public async ValueTask<UpdatePlaybackRestrictionPolicyResponse> UpdatePlaybackRestrictionPolicyAsync(
        UpdatePlaybackRestrictionPolicyRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var policy = Clone(RequirePolicy(request.Arn).Policy, IvsJsonContext.Default.PlaybackRestrictionPolicy);
        policy.AllowedCountries = request.AllowedCountries ?? policy.AllowedCountries;
        policy.AllowedOrigins = request.AllowedOrigins ?? policy.AllowedOrigins;
        policy.EnableStrictOriginEnforcement = request.EnableStrictOriginEnforcement ?? policy.EnableStrictOriginEnforcement;
        policy.Name = request.Name ?? policy.Name;
        write.Put(tables.PlaybackRestrictionPolicies, IdOf(policy.Arn, ResourceType.PlaybackRestrictionPolicy)!, new PlaybackRestrictionPolicyRecord { Policy = policy });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new UpdatePlaybackRestrictionPolicyResponse { PlaybackRestrictionPolicy = policy };
    }

    public async ValueTask DeletePlaybackRestrictionPolicyAsync(DeletePlaybackRestrictionPolicyRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var policy = RequirePolicy(request.Arn).Policy;
        if (tables.Channels.Values.FirstOrDefault(c => c.Channel.PlaybackRestrictionPolicyArn == policy.Arn) is { } user)
        {
            throw new ConflictException($"Playback restriction policy {policy.Arn} is attached to channel {user.Channel.Arn}.");
        }

        write.Delete(tables.PlaybackRestrictionPolicies, IdOf(policy.Arn, ResourceType.PlaybackRestrictionPolicy)!);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private PlaybackRestrictionPolicyRecord RequirePolicy(string? arn) =>
        IdOf(arn, ResourceType.PlaybackRestrictionPolicy) is { } id && tables.PlaybackRestrictionPolicies.TryGet(id, out var record)
            ? record
            : throw NotFound("Playback restriction policy", arn);
}
