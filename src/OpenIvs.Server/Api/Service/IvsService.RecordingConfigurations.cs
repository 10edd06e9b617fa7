using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateRecordingConfigurationResponse> CreateRecordingConfigurationAsync(
        CreateRecordingConfigurationRequest request, CancellationToken cancellationToken)
    {
        CheckTags(request.Tags);
        var configuration = await CreateRecordingConfigurationRecordAsync(request, cancellationToken).ConfigureAwait(false);

        // As in IVS, the configuration starts CREATING and becomes ACTIVE (or CREATE_FAILED) once the bucket is
        // checked. The check usually takes milliseconds: waiting a little lets a CreateChannel that follows at once
        // find it ACTIVE, while the response still says CREATING as IVS's does.
        var activation = ActivateRecordingConfigurationAsync(IdOf(configuration.Arn, ResourceType.RecordingConfiguration)!);
        await Task.WhenAny(activation, Task.Delay(TimeSpan.FromSeconds(10), time, cancellationToken)).ConfigureAwait(false);
        return new CreateRecordingConfigurationResponse { RecordingConfiguration = configuration };
    }

    private async Task<RecordingConfiguration> CreateRecordingConfigurationRecordAsync(CreateRecordingConfigurationRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (tables.RecordingConfigurations.Count >= _quotas.RecordingConfigurations)
        {
            throw new ServiceQuotaExceededException(
                $"The account has reached its quota of {_quotas.RecordingConfigurations} recording configurations.");
        }

        var id = ResourceIds.NewResourceId();
        var thumbnails = request.ThumbnailConfiguration;
        var renditions = request.RenditionConfiguration;
        var configuration = new RecordingConfiguration
        {
            Arn = Arn(ResourceType.RecordingConfiguration, id),
            Name = request.Name ?? string.Empty,
            DestinationConfiguration = request.DestinationConfiguration,
            State = RecordingConfigurationState.Creating,
            Tags = CopyTags(request.Tags),
            ThumbnailConfiguration = new ThumbnailConfiguration
            {
                RecordingMode = thumbnails?.RecordingMode ?? RecordingMode.Interval,
                TargetIntervalSeconds = thumbnails?.TargetIntervalSeconds ?? 60,
                Resolution = thumbnails?.Resolution,
                Storage = thumbnails?.Storage ?? [ThumbnailConfigurationStorage.Sequential],
            },
            RecordingReconnectWindowSeconds = request.RecordingReconnectWindowSeconds ?? 0,
            RenditionConfiguration = new RenditionConfiguration
            {
                RenditionSelection = renditions?.RenditionSelection ?? RenditionConfigurationRenditionSelection.All,
                Renditions = renditions?.Renditions ?? [],
            },
        };
        if (configuration.RenditionConfiguration.RenditionSelection == RenditionConfigurationRenditionSelection.Custom
            && configuration.RenditionConfiguration.Renditions.Count == 0)
        {
            throw new ValidationException("renditionConfiguration.renditions must name at least one rendition when renditionSelection is CUSTOM.");
        }

        write.Put(tables.RecordingConfigurations, id, new RecordingConfigurationRecord { Configuration = configuration });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Clone(configuration, IvsJsonContext.Default.RecordingConfiguration);
    }

    public ValueTask<GetRecordingConfigurationResponse> GetRecordingConfigurationAsync(
        GetRecordingConfigurationRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetRecordingConfigurationResponse { RecordingConfiguration = RequireRecordingConfiguration(request.Arn).Configuration });

    public ValueTask<ListRecordingConfigurationsResponse> ListRecordingConfigurationsAsync(
        ListRecordingConfigurationsRequest request, CancellationToken cancellationToken)
    {
        var (items, next) = Page(
            tables.RecordingConfigurations, "ListRecordingConfigurations", request.NextToken, request.MaxResults,
            Math.Min(_quotas.RecordingConfigurations, 100), null,
            r => new RecordingConfigurationSummary
            {
                Arn = r.Configuration.Arn,
                Name = r.Configuration.Name,
                DestinationConfiguration = r.Configuration.DestinationConfiguration,
                State = r.Configuration.State,
                Tags = r.Configuration.Tags,
            });
        return ValueTask.FromResult(new ListRecordingConfigurationsResponse { RecordingConfigurations = items, NextToken = next });
    }

    public async ValueTask DeleteRecordingConfigurationAsync(DeleteRecordingConfigurationRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var configuration = RequireRecordingConfiguration(request.Arn).Configuration;
        if (tables.Channels.Values.FirstOrDefault(c => c.Channel.RecordingConfigurationArn == configuration.Arn) is { } user)
        {
            throw new ConflictException($"Recording configuration {configuration.Arn} is used by channel {user.Channel.Arn}.");
        }

        write.Delete(tables.RecordingConfigurations, IdOf(configuration.Arn, ResourceType.RecordingConfiguration)!);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves configurations left CREATING (for example by a restart) on to ACTIVE or CREATE_FAILED.</summary>
    internal async Task ResumeRecordingConfigurationActivationAsync()
    {
        foreach (var entry in tables.RecordingConfigurations.Ordered.ToArray())
        {
            if (entry.Value.Configuration.State == RecordingConfigurationState.Creating)
            {
                await ActivateRecordingConfigurationAsync(entry.Id).ConfigureAwait(false);
            }
        }
    }

    private async Task ActivateRecordingConfigurationAsync(string id)
    {
        try
        {
            if (!tables.RecordingConfigurations.TryGet(id, out var pending))
            {
                return;
            }

            var bucket = pending.Configuration.DestinationConfiguration?.S3?.BucketName ?? string.Empty;
            var problem = await recordingDestinations.CheckBucketAsync(bucket, CancellationToken.None).ConfigureAwait(false);
            var usable = problem is null;
            if (problem is not null)
            {
                LogBucketUnusable(logger, id, bucket, problem);
            }

            await using var write = await store.BeginWriteAsync(CancellationToken.None).ConfigureAwait(false);
            if (!tables.RecordingConfigurations.TryGet(id, out var current) || current.Configuration.State != RecordingConfigurationState.Creating)
            {
                return;
            }

            var configuration = Clone(current.Configuration, IvsJsonContext.Default.RecordingConfiguration);
            configuration.State = usable ? RecordingConfigurationState.Active : RecordingConfigurationState.CreateFailed;
            write.Put(tables.RecordingConfigurations, id, new RecordingConfigurationRecord { Configuration = configuration });
            await write.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogActivationFailed(logger, e, id);
        }
    }

    private RecordingConfigurationRecord RequireRecordingConfiguration(string? arn) =>
        IdOf(arn, ResourceType.RecordingConfiguration) is { } id && tables.RecordingConfigurations.TryGet(id, out var record)
            ? record
            : throw NotFound("Recording configuration", arn);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Recording configuration {RecordingConfigurationId} is CREATE_FAILED: bucket {Bucket}: {Problem}")]
    private static partial void LogBucketUnusable(ILogger logger, string recordingConfigurationId, string bucket, string problem);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Could not finish creating recording configuration {RecordingConfigurationId}")]
    private static partial void LogActivationFailed(ILogger logger, Exception exception, string recordingConfigurationId);
}
