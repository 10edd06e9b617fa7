using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateRecordingConfigurationResponse> CreateRecordingConfigurationAsync(
        CreateRecordingConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var thumbnails = request.ThumbnailConfiguration;
        var renditions = request.RenditionConfiguration;
        var renditionConfiguration = new RenditionConfiguration
        {
            RenditionSelection = renditions?.RenditionSelection ?? RenditionConfigurationRenditionSelection.All,
            Renditions = renditions?.Renditions ?? [],
        };
        if (renditionConfiguration.RenditionSelection == RenditionConfigurationRenditionSelection.Custom && renditionConfiguration.Renditions.Count == 0)
        {
            throw new ValidationException("renditionConfiguration.renditions must name at least one rendition when renditionSelection is CUSTOM.");
        }

        var configuration = await CreateAsync(
            tables.RecordingConfigurationKind,
            request.Tags,
            _quotas.RecordingConfigurations,
            (id, _) => new RecordingConfigurationRecord
            {
                Configuration = new RecordingConfiguration
                {
                    Arn = resources.Arn(ResourceType.RecordingConfiguration, id),
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
                    RenditionConfiguration = renditionConfiguration,
                },
            },
            cancellationToken).ConfigureAwait(false);

        // As in IVS, the configuration starts CREATING and becomes ACTIVE (or CREATE_FAILED) once the bucket is
        // checked. The check usually takes milliseconds: waiting a little lets a CreateChannel that follows at once
        // find it ACTIVE, while the response still says CREATING as IVS's does.
        var activation = ActivateRecordingConfigurationAsync(resources.IdOf(configuration.Arn, ResourceType.RecordingConfiguration)!);
        await Task.WhenAny(activation, Task.Delay(TimeSpan.FromSeconds(10), time, cancellationToken)).ConfigureAwait(false);
        return new CreateRecordingConfigurationResponse { RecordingConfiguration = configuration };
    }

    public ValueTask<GetRecordingConfigurationResponse> GetRecordingConfigurationAsync(
        GetRecordingConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetRecordingConfigurationResponse
        {
            RecordingConfiguration = Require(tables.RecordingConfigurationKind, request.Arn).Configuration,
        });

    public ValueTask<ListRecordingConfigurationsResponse> ListRecordingConfigurationsAsync(
        ListRecordingConfigurationsRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var (items, next) = Page(
            tables.RecordingConfigurationKind, "ListRecordingConfigurations", request.NextToken,
            request.MaxResults ?? Math.Min(_quotas.RecordingConfigurations, 100),
            c => new RecordingConfigurationSummary
            {
                Arn = c.Arn,
                Name = c.Name,
                DestinationConfiguration = c.DestinationConfiguration,
                State = c.State,
                Tags = c.Tags,
            });
        return ValueTask.FromResult(new ListRecordingConfigurationsResponse { RecordingConfigurations = items, NextToken = next });
    }

    public ValueTask DeleteRecordingConfigurationAsync(
        DeleteRecordingConfigurationRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        DeleteAsync(tables.RecordingConfigurationKind, request.Arn, cancellationToken, reference: c => c.RecordingConfigurationArn);

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

            tables.RecordingConfigurationKind.Replace(
                write, id, current, c => c.State = usable ? RecordingConfigurationState.Active : RecordingConfigurationState.CreateFailed);
            await write.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogActivationFailed(logger, e, id);
        }
    }

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Recording configuration {RecordingConfigurationId} is CREATE_FAILED: bucket {Bucket}: {Problem}")]
    private static partial void LogBucketUnusable(ILogger logger, string recordingConfigurationId, string bucket, string problem);
    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Could not finish creating recording configuration {RecordingConfigurationId}")]
    private static partial void LogActivationFailed(ILogger logger, Exception exception, string recordingConfigurationId);
}
