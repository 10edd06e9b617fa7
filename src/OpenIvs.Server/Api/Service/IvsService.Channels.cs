using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Serialization;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateChannelResponse> CreateChannelAsync(CreateChannelRequest request, CancellationToken cancellationToken)
    {
        CheckTags(request.Tags);
        var type = request.Type ?? ChannelType.Standard;
        var multitrack = request.MultitrackInputConfiguration;
        var containerFormat = request.ContainerFormat ?? ContainerFormat.Ts;
        var preset = CheckChannelShape(type, request.Preset, multitrack, containerFormat);

        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (tables.Channels.Count >= _quotas.Channels)
        {
            throw new ServiceQuotaExceededException($"The account has reached its quota of {_quotas.Channels} channels.");
        }

        CheckReferences(request.RecordingConfigurationArn, request.PlaybackRestrictionPolicyArn, request.AdConfigurationArn);
        var id = ResourceIds.NewResourceId();
        var prefix = ResourceIds.NewEndpointPrefix();
        var arn = Arn(ResourceType.Channel, id);
        var channel = new Channel
        {
            Arn = arn,
            Name = request.Name ?? string.Empty,
            LatencyMode = request.LatencyMode ?? ChannelLatencyMode.Low,
            Type = type,
            RecordingConfigurationArn = request.RecordingConfigurationArn ?? string.Empty,
            IngestEndpoint = endpoints.IngestEndpoint(prefix),
            PlaybackUrl = endpoints.PlaybackUrl(prefix, id),
            Authorized = request.Authorized ?? false,
            Tags = CopyTags(request.Tags),
            InsecureIngest = request.InsecureIngest ?? false,
            Preset = preset,
            Srt = new Srt { Endpoint = endpoints.SrtEndpoint(prefix), Passphrase = ResourceIds.NewSrtPassphrase() },
            PlaybackRestrictionPolicyArn = request.PlaybackRestrictionPolicyArn ?? string.Empty,
            MultitrackInputConfiguration = MultitrackOrDefault(multitrack),
            ContainerFormat = containerFormat,
            AdConfigurationArn = request.AdConfigurationArn ?? string.Empty,
        };
        var keyId = ResourceIds.NewResourceId();
        var streamKey = new StreamKey
        {
            Arn = Arn(ResourceType.StreamKey, keyId),
            Value = ResourceIds.NewStreamKeyValue(_region, keyId),
            ChannelArn = arn,
            Tags = CopyTags(request.Tags),
        };
        write.Put(tables.Channels, id, new ChannelRecord { Channel = channel, EndpointPrefix = prefix, CreatedAt = time.GetUtcNow() });
        write.Put(tables.StreamKeys, keyId, new StreamKeyRecord { Key = streamKey });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CreateChannelResponse { Channel = channel, StreamKey = streamKey };
    }

    public ValueTask<GetChannelResponse> GetChannelAsync(GetChannelRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetChannelResponse { Channel = RequireChannel(request.Arn).Channel });

    public ValueTask<BatchGetChannelResponse> BatchGetChannelAsync(BatchGetChannelRequest request, CancellationToken cancellationToken)
    {
        var (channels, errors) = BatchGet(request.Arns!, tables.Channels, ResourceType.Channel, "Channel", IvsOperationsAction.BatchGetChannel, r => r.Channel);
        return ValueTask.FromResult(new BatchGetChannelResponse { Channels = channels, Errors = errors });
    }

    public ValueTask<ListChannelsResponse> ListChannelsAsync(ListChannelsRequest request, CancellationToken cancellationToken)
    {
        var filters = new (string Name, string? Value)[]
        {
            ("name", request.FilterByName),
            ("recordingConfigurationArn", request.FilterByRecordingConfigurationArn),
            ("playbackRestrictionPolicyArn", request.FilterByPlaybackRestrictionPolicyArn),
            ("adConfigurationArn", request.FilterByAdConfigurationArn),
        }.Where(f => f.Value is not null).ToArray();
        if (filters.Length > 1)
        {
            throw new ConflictException("ListChannels accepts at most one filter; got " + string.Join(", ", filters.Select(f => "filterBy " + f.Name)) + ".");
        }

        Func<ChannelRecord, bool>? filter = null;
        var listing = "ListChannels";
        if (filters.Length == 1)
        {
            var (name, value) = filters[0];
            listing += $"|{name}={value}";
            filter = name switch
            {
                "name" => r => r.Channel.Name == value,
                "recordingConfigurationArn" => r => r.Channel.RecordingConfigurationArn == value,
                "playbackRestrictionPolicyArn" => r => r.Channel.PlaybackRestrictionPolicyArn == value,
                _ => r => r.Channel.AdConfigurationArn == value,
            };
        }

        var (items, next) = Page(tables.Channels, listing, request.NextToken, request.MaxResults, 100, filter, r => Summary(r.Channel));
        return ValueTask.FromResult(new ListChannelsResponse { Channels = items, NextToken = next });
    }

    public async ValueTask<UpdateChannelResponse> UpdateChannelAsync(UpdateChannelRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var record = RequireChannel(request.Arn);
        if (liveStreams.IsLive(record.Channel.Arn!))
        {
            throw new ConflictException($"Channel {record.Channel.Arn} is live. Stop the stream, update the channel, then restart the stream.");
        }

        var channel = Clone(record.Channel, IvsJsonContext.Default.Channel);
        var typeChanged = request.Type is not null && request.Type != channel.Type;
        channel.Name = request.Name ?? channel.Name;
        channel.LatencyMode = request.LatencyMode ?? channel.LatencyMode;
        channel.Type = request.Type ?? channel.Type;
        channel.Authorized = request.Authorized ?? channel.Authorized;
        channel.InsecureIngest = request.InsecureIngest ?? channel.InsecureIngest;
        channel.RecordingConfigurationArn = request.RecordingConfigurationArn ?? channel.RecordingConfigurationArn;
        channel.PlaybackRestrictionPolicyArn = request.PlaybackRestrictionPolicyArn ?? channel.PlaybackRestrictionPolicyArn;
        channel.AdConfigurationArn = request.AdConfigurationArn ?? channel.AdConfigurationArn;
        channel.ContainerFormat = request.ContainerFormat ?? channel.ContainerFormat;
        if (request.MultitrackInputConfiguration is { } multitrack)
        {
            // Checked as given: the defaults filled in below must not stand in for a missing policy or resolution.
            RequireCompleteMultitrack(multitrack);
            channel.MultitrackInputConfiguration = MultitrackOrDefault(multitrack);
        }

        // A new type without a preset takes that type's default preset.
        var preset = request.Preset ?? (typeChanged ? null : NullIfEmpty(channel.Preset));
        channel.Preset = CheckChannelShape(channel.Type!.Value, preset, channel.MultitrackInputConfiguration, channel.ContainerFormat!.Value);
        CheckReferences(request.RecordingConfigurationArn, request.PlaybackRestrictionPolicyArn, request.AdConfigurationArn);

        var id = IdOf(channel.Arn, ResourceType.Channel)!;
        write.Put(tables.Channels, id, new ChannelRecord { Channel = channel, EndpointPrefix = record.EndpointPrefix, CreatedAt = record.CreatedAt });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new UpdateChannelResponse { Channel = channel };
    }

    public async ValueTask DeleteChannelAsync(DeleteChannelRequest request, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var record = RequireChannel(request.Arn);
        if (liveStreams.IsLive(record.Channel.Arn!))
        {
            throw new ConflictException($"Channel {record.Channel.Arn} is live. Stop the stream (StopStream) and wait for it to end before deleting the channel.");
        }

        write.Delete(tables.Channels, IdOf(record.Channel.Arn, ResourceType.Channel)!);
        foreach (var key in tables.StreamKeys.Ordered)
        {
            if (key.Value.Key.ChannelArn == record.Channel.Arn)
            {
                write.Delete(tables.StreamKeys, key.Id);
            }
        }

        var channelId = IdOf(record.Channel.Arn, ResourceType.Channel)!;
        foreach (var revocation in tables.ViewerRevocations.Ordered)
        {
            if (revocation.Value.ChannelArn == record.Channel.Arn)
            {
                write.Delete(tables.ViewerRevocations, revocation.Id);
            }
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        LogChannelDeleted(logger, record.Channel.Arn!, channelId);
    }

    /// <summary>
    /// Recomputes every channel's ingest endpoint, playback URL and SRT endpoint from the configured public
    /// names (they may have changed since the channel was created) and stores those that differ.
    /// </summary>
    internal async Task RefreshChannelEndpointsAsync(CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var changed = false;
        foreach (var entry in tables.Channels.Ordered)
        {
            var (record, prefix) = (entry.Value, entry.Value.EndpointPrefix);
            var ingest = endpoints.IngestEndpoint(prefix);
            var playback = endpoints.PlaybackUrl(prefix, entry.Id);
            var srt = endpoints.SrtEndpoint(prefix);
            if (record.Channel.IngestEndpoint == ingest && record.Channel.PlaybackUrl == playback && record.Channel.Srt?.Endpoint == srt)
            {
                continue;
            }

            var channel = Clone(record.Channel, IvsJsonContext.Default.Channel);
            channel.IngestEndpoint = ingest;
            channel.PlaybackUrl = playback;
            channel.Srt = new Srt { Endpoint = srt, Passphrase = record.Channel.Srt?.Passphrase };
            write.Put(tables.Channels, entry.Id, new ChannelRecord { Channel = channel, EndpointPrefix = prefix, CreatedAt = record.CreatedAt });
            changed = true;
        }

        if (changed)
        {
            await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private ChannelRecord RequireChannel(string? arn) =>
        IdOf(arn, ResourceType.Channel) is { } id && tables.Channels.TryGet(id, out var record)
            ? record
            : throw NotFound("Channel", arn);

    /// <summary>
    /// Rules between channel fields that the model cannot express: presets only for ADVANCED types, and
    /// multitrack input only on STANDARD channels with fragmented MP4. Returns the preset to store.
    /// </summary>
    private static TranscodePreset CheckChannelShape(ChannelType type, TranscodePreset? preset, MultitrackInputConfiguration? multitrack, ContainerFormat containerFormat)
    {
        var advanced = type == ChannelType.AdvancedHd || type == ChannelType.AdvancedSd;
        if (preset is { } chosen && !advanced)
        {
            throw new ValidationException($"preset {chosen} can be set only for ADVANCED_SD and ADVANCED_HD channels, not {type}.");
        }

        if (multitrack is { Enabled: true })
        {
            if (type != ChannelType.Standard)
            {
                throw new ValidationException($"Multitrack input can be enabled only on STANDARD channels, not {type}.");
            }

            if (containerFormat != ContainerFormat.FragmentedMp4)
            {
                throw new ValidationException("Multitrack input requires containerFormat FRAGMENTED_MP4.");
            }

            RequireCompleteMultitrack(multitrack);
        }

        return advanced ? preset ?? TranscodePreset.HigherBandwidthDelivery : new TranscodePreset(string.Empty);
    }

    /// <summary>IVS: policy and maximumResolution are "required if enabled is true".</summary>
    private static void RequireCompleteMultitrack(MultitrackInputConfiguration multitrack)
    {
        if (multitrack is { Enabled: true } && (multitrack.Policy is null || multitrack.MaximumResolution is null))
        {
            throw new ValidationException("Enabled multitrack input requires policy and maximumResolution.");
        }
    }

    private static MultitrackInputConfiguration MultitrackOrDefault(MultitrackInputConfiguration? multitrack) => new()
    {
        Enabled = multitrack?.Enabled ?? false,
        Policy = multitrack?.Policy ?? MultitrackPolicy.Allow,
        MaximumResolution = multitrack?.MaximumResolution ?? MultitrackMaximumResolution.FullHd,
    };

    private static TranscodePreset? NullIfEmpty(TranscodePreset? preset) => preset is { Value.Length: > 0 } ? preset : null;

    /// <summary>Referenced resources must exist (an empty string means "none").</summary>
    private void CheckReferences(string? recordingConfigurationArn, string? playbackRestrictionPolicyArn, string? adConfigurationArn)
    {
        if (!string.IsNullOrEmpty(recordingConfigurationArn))
        {
            if (!(IdOf(recordingConfigurationArn, ResourceType.RecordingConfiguration) is { } rc && tables.RecordingConfigurations.TryGet(rc, out var recording)))
            {
                throw NotFound("Recording configuration", recordingConfigurationArn);
            }

            // IVS: a channel can only be given a configuration that is ready to record.
            if (recording.Configuration.State != RecordingConfigurationState.Active)
            {
                throw new ValidationException(
                    $"Recording configuration {recordingConfigurationArn} is {recording.Configuration.State?.Value}; a channel can only use an ACTIVE recording configuration.");
            }
        }

        if (!string.IsNullOrEmpty(playbackRestrictionPolicyArn)
            && !(IdOf(playbackRestrictionPolicyArn, ResourceType.PlaybackRestrictionPolicy) is { } prp && tables.PlaybackRestrictionPolicies.TryGet(prp, out _)))
        {
            throw NotFound("Playback restriction policy", playbackRestrictionPolicyArn);
        }

        if (!string.IsNullOrEmpty(adConfigurationArn)
            && !(IdOf(adConfigurationArn, ResourceType.AdConfiguration) is { } ad && tables.AdConfigurations.TryGet(ad, out _)))
        {
            throw NotFound("Ad configuration", adConfigurationArn);
        }
    }

    private static ChannelSummary Summary(Channel channel) => new()
    {
        Arn = channel.Arn,
        Name = channel.Name,
        LatencyMode = channel.LatencyMode,
        Authorized = channel.Authorized,
        RecordingConfigurationArn = channel.RecordingConfigurationArn,
        Tags = channel.Tags,
        InsecureIngest = channel.InsecureIngest,
        Type = channel.Type,
        Preset = channel.Preset,
        PlaybackRestrictionPolicyArn = channel.PlaybackRestrictionPolicyArn,
        AdConfigurationArn = channel.AdConfigurationArn,
    };

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Channel {ChannelArn} deleted ({ChannelId})")]
    private static partial void LogChannelDeleted(ILogger logger, string channelArn, string channelId);
}
