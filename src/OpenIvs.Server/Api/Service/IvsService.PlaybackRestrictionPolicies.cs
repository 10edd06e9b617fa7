using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreatePlaybackRestrictionPolicyResponse> CreatePlaybackRestrictionPolicyAsync(
        CreatePlaybackRestrictionPolicyRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var policy = await CreateAsync(
            tables.PlaybackRestrictionPolicyKind,
            request.Tags,
            _quotas.PlaybackRestrictionPolicies,
            (id, _) => new PlaybackRestrictionPolicyRecord
            {
                Policy = new PlaybackRestrictionPolicy
                {
                    Arn = resources.Arn(ResourceType.PlaybackRestrictionPolicy, id),
                    AllowedCountries = request.AllowedCountries ?? [],
                    AllowedOrigins = request.AllowedOrigins ?? [],
                    EnableStrictOriginEnforcement = request.EnableStrictOriginEnforcement ?? false,
                    Name = request.Name ?? string.Empty,
                    Tags = CopyTags(request.Tags),
                },
            },
            cancellationToken).ConfigureAwait(false);
        return new CreatePlaybackRestrictionPolicyResponse { PlaybackRestrictionPolicy = policy };
    }

    public ValueTask<GetPlaybackRestrictionPolicyResponse> GetPlaybackRestrictionPolicyAsync(
        GetPlaybackRestrictionPolicyRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetPlaybackRestrictionPolicyResponse
        {
            PlaybackRestrictionPolicy = Require(tables.PlaybackRestrictionPolicyKind, request.Arn).Policy,
        });

    public ValueTask<ListPlaybackRestrictionPoliciesResponse> ListPlaybackRestrictionPoliciesAsync(
        ListPlaybackRestrictionPoliciesRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        // The model documents a default page size of 1 for this operation.
        var (items, next) = Page(
            tables.PlaybackRestrictionPolicyKind, "ListPlaybackRestrictionPolicies", request.NextToken, request.MaxResults ?? 1,
            p => new PlaybackRestrictionPolicySummary
            {
                Arn = p.Arn,
                AllowedCountries = p.AllowedCountries,
                AllowedOrigins = p.AllowedOrigins,
                EnableStrictOriginEnforcement = p.EnableStrictOriginEnforcement,
                Name = p.Name,
                Tags = p.Tags,
            });
        return ValueTask.FromResult(new ListPlaybackRestrictionPoliciesResponse { PlaybackRestrictionPolicies = items, NextToken = next });
    }

    public async ValueTask<UpdatePlaybackRestrictionPolicyResponse> UpdatePlaybackRestrictionPolicyAsync(
        UpdatePlaybackRestrictionPolicyRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var policy = await UpdateAsync(
            tables.PlaybackRestrictionPolicyKind,
            request.Arn,
            (_, p) =>
            {
                p.AllowedCountries = request.AllowedCountries ?? p.AllowedCountries;
                p.AllowedOrigins = request.AllowedOrigins ?? p.AllowedOrigins;
                p.EnableStrictOriginEnforcement = request.EnableStrictOriginEnforcement ?? p.EnableStrictOriginEnforcement;
                p.Name = request.Name ?? p.Name;
            },
            cancellationToken).ConfigureAwait(false);
        return new UpdatePlaybackRestrictionPolicyResponse { PlaybackRestrictionPolicy = policy };
    }

    public ValueTask DeletePlaybackRestrictionPolicyAsync(
        DeletePlaybackRestrictionPolicyRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        DeleteAsync(tables.PlaybackRestrictionPolicyKind, request.Arn, cancellationToken, reference: c => c.PlaybackRestrictionPolicyArn);
}
