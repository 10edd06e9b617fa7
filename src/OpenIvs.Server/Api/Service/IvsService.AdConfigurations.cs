using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateAdConfigurationResponse> CreateAdConfigurationAsync(
        CreateAdConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var configuration = await CreateAsync(
            tables.AdConfigurationKind,
            request.Tags,
            _quotas.AdConfigurations,
            (id, _) => new AdConfigurationRecord
            {
                Configuration = new AdConfiguration
                {
                    Arn = resources.Arn(ResourceType.AdConfiguration, id),
                    Name = request.Name ?? string.Empty,
                    MediaTailorPlaybackConfigurations = request.MediaTailorPlaybackConfigurations,
                    PostRollConfiguration = request.PostRollConfiguration ?? DefaultPostRoll(),
                    Tags = CopyTags(request.Tags),
                },
            },
            cancellationToken).ConfigureAwait(false);
        return new CreateAdConfigurationResponse { AdConfiguration = configuration };
    }

    public ValueTask<GetAdConfigurationResponse> GetAdConfigurationAsync(
        GetAdConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetAdConfigurationResponse { AdConfiguration = Require(tables.AdConfigurationKind, request.Arn).Configuration });

    public ValueTask<ListAdConfigurationsResponse> ListAdConfigurationsAsync(
        ListAdConfigurationsRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var (items, next) = Page(
            tables.AdConfigurationKind, "ListAdConfigurations", request.NextToken, request.MaxResults ?? Math.Min(_quotas.AdConfigurations, 100),
            c => new AdConfigurationSummary
            {
                Arn = c.Arn,
                Name = c.Name,
                MediaTailorPlaybackConfigurations = c.MediaTailorPlaybackConfigurations,
                PostRollConfiguration = c.PostRollConfiguration,
                Tags = c.Tags,
            });
        return ValueTask.FromResult(new ListAdConfigurationsResponse { AdConfigurations = items, NextToken = next });
    }

    public async ValueTask<UpdateAdConfigurationResponse> UpdateAdConfigurationAsync(
        UpdateAdConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var configuration = await UpdateAsync(
            tables.AdConfigurationKind,
            request.Arn,
            (_, c) =>
            {
                c.Name = request.Name ?? c.Name;
                c.MediaTailorPlaybackConfigurations = request.MediaTailorPlaybackConfigurations ?? c.MediaTailorPlaybackConfigurations;
                c.PostRollConfiguration = request.PostRollConfiguration ?? c.PostRollConfiguration;
            },
            cancellationToken).ConfigureAwait(false);
        return new UpdateAdConfigurationResponse { AdConfiguration = configuration };
    }

    public ValueTask DeleteAdConfigurationAsync(DeleteAdConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        DeleteAsync(tables.AdConfigurationKind, request.Arn, cancellationToken, reference: c => c.AdConfigurationArn);

    public async ValueTask<InsertAdBreakResponse> InsertAdBreakAsync(InsertAdBreakRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        if (!liveStreams.IsLive(channel.Arn!))
        {
            throw new ChannelNotBroadcasting($"Channel: {channel.Arn} is not currently online");
        }

        if (string.IsNullOrEmpty(channel.AdConfigurationArn))
        {
            throw new ConflictException($"Channel {channel.Arn} has no ad configuration; set adConfigurationArn before inserting ad breaks.");
        }

        // The model validated durationSeconds (1-300). The break starts at the stream's next keyframe.
        var adBreakId = ResourceIds.NewAdBreakId();
        return await liveStreams.InsertAdBreakAsync(channel.Arn!, adBreakId, TimeSpan.FromSeconds(request.DurationSeconds!.Value), cancellationToken).ConfigureAwait(false) switch
        {
            AdBreakInsertion.Inserted => new InsertAdBreakResponse { AdBreakId = adBreakId },
            AdBreakInsertion.InProgress => throw new ConflictException($"Channel {channel.Arn} already has an ad break in progress; insert the next one after it ends."),
            _ => throw new ChannelNotBroadcasting($"Channel: {channel.Arn} is not currently online"),
        };
    }

    /// <summary>The documented default of CreateAdConfiguration: post-roll disabled, 15 seconds.</summary>
    private static PostRollConfiguration DefaultPostRoll() => new() { Enabled = false, DurationSeconds = 15 };

}
