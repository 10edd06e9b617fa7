using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateAdConfigurationResponse> CreateAdConfigurationAsync(CreateAdConfigurationRequest request, CancellationToken cancellationToken)
    {
        CheckTags(request.Tags);
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (tables.AdConfigurations.Count >= _quotas.AdConfigurations)
        {
            throw new ServiceQuotaExceededException($"The account has reached its quota of {_quotas.AdConfigurations} ad configurations.");
        }

        var id = ResourceIds.NewResourceId();
        var configuration = new AdConfiguration
        {
            Arn = Arn(ResourceType.AdConfiguration, id),
            Name = request.Name ?? string.Empty,
            MediaTailorPlaybackConfigurations = request.MediaTailorPlaybackConfigurations,
            PostRollConfiguration = request.PostRollConfiguration ?? DefaultPostRoll(),
            Tags = CopyTags(request.Tags),
        };
        write.Put(tables.AdConfigurations, id, new AdConfigurationRecord { Configuration = configuration });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreateAdConfigurationResponse { AdConfiguration = configuration };
    }

    public ValueTask<GetAdConfigurationResponse> GetAdConfigurationAsync(GetAdConfigurationRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetAdConfigurationResponse { AdConfiguration = RequireAdConfiguration(request.Arn).Configuration });

    public ValueTask<ListAdConfigurationsResponse> ListAdConfigurationsAsync(ListAdConfigurationsRequest request, CancellationToken cancellationToken)
    {
        var (items, next) = Page(
            tables.AdConfigurations, "ListAdConfigurations", request.NextToken, request.MaxResults, Math.Min(_quotas.AdConfigurations, 100), null,
            r => new AdConfigurationSummary
            {
                Arn = r.Configuration.Arn,
                Name = r.Configuration.Name,
                MediaTailorPlaybackConfigurations = r.Configuration.MediaTailorPlaybackConfigurations,
                PostRollConfiguration = r.Configuration.PostRollConfiguration,
                Tags = r.Configuration.Tags,
            });
        return ValueTask.FromResult(new ListAdConfigurationsResponse { AdConfigurations = items, NextToken = next });
    }

    public async ValueTask<UpdateAdConfigurationResponse> UpdateAdConfigurationAsync(UpdateAdConfigurationRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var configuration = Clone(RequireAdConfiguration(request.Arn).Configuration, IvsJsonContext.Default.AdConfiguration);
        configuration.Name = request.Name ?? configuration.Name;
        configuration.MediaTailorPlaybackConfigurations = request.MediaTailorPlaybackConfigurations ?? configuration.MediaTailorPlaybackConfigurations;
        configuration.PostRollConfiguration = request.PostRollConfiguration ?? configuration.PostRollConfiguration;
        write.Put(tables.AdConfigurations, IdOf(configuration.Arn, ResourceType.AdConfiguration)!, new AdConfigurationRecord { Configuration = configuration });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new UpdateAdConfigurationResponse { AdConfiguration = configuration };
    }

    public async ValueTask DeleteAdConfigurationAsync(DeleteAdConfigurationRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var configuration = RequireAdConfiguration(request.Arn).Configuration;
        if (tables.Channels.Values.FirstOrDefault(c => c.Channel.AdConfigurationArn == configuration.Arn) is { } user)
        {
            throw new ConflictException($"Ad configuration {configuration.Arn} is used by channel {user.Channel.Arn}.");
        }

        write.Delete(tables.AdConfigurations, IdOf(configuration.Arn, ResourceType.AdConfiguration)!);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<InsertAdBreakResponse> InsertAdBreakAsync(InsertAdBreakRequest request, CancellationToken cancellationToken)
    {
        var channel = RequireChannel(request.ChannelArn).Channel;
        if (!liveStreams.IsLive(channel.Arn!))
        {
            throw new ChannelNotBroadcasting($"Channel: {channel.Arn} is not currently online");
        }

        if (string.IsNullOrEmpty(channel.AdConfigurationArn))
        {
            throw new ConflictException($"Channel {channel.Arn} has no ad configuration; set adConfigurationArn before inserting ad breaks.");
        }

        return ValueTask.FromResult(new InsertAdBreakResponse { AdBreakId = ResourceIds.NewAdBreakId() });
    }

    /// <summary>The documented default of CreateAdConfiguration: post-roll disabled, 15 seconds.</summary>
    private static PostRollConfiguration DefaultPostRoll() => new() { Enabled = false, DurationSeconds = 15 };

    private AdConfigurationRecord RequireAdConfiguration(string? arn) =>
        IdOf(arn, ResourceType.AdConfiguration) is { } id && tables.AdConfigurations.TryGet(id, out var record)
            ? record
            : throw NotFound("Ad configuration", arn);
}
