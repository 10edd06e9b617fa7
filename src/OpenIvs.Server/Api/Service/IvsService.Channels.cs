using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public async ValueTask<CreateChannelResponse> CreateChannelAsync(CreateChannelRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var type = request.Type ?? ChannelType.Standard;
        var multitrack = request.MultitrackInputConfiguration;
        var containerFormat = request.ContainerFormat ?? ContainerFormat.Ts;
        var preset = CheckChannelShape(type, request.Preset, multitrack, containerFormat);
        StreamKey? streamKey = null;
        var channel = await CreateAsync(
            tables.ChannelKind,
            request.Tags,
            _quotas.Channels,
            (id, write) =>
            {
                var prefix = ResourceIds.NewEndpointPrefix();
                var arn = resources.Arn(ResourceType.Channel, id);
                streamKey = NewStreamKey(write, arn, request.Tags);
                return new ChannelRecord
                {
                    Channel = new Channel
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
                    },
                    EndpointPrefix = prefix,
                    CreatedAt = time.GetUtcNow(),
                };
            },
            cancellationToken,
            check: () => CheckReferences(request.RecordingConfigurationArn, request.PlaybackRestrictionPolicyArn, request.AdConfigurationArn)).ConfigureAwait(false);
        return new CreateChannelResponse { Channel = channel, StreamKey = streamKey };
    }

    public ValueTask<GetChannelResponse> GetChannelAsync(GetChannelRequest request, CallerContext caller, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new GetChannelResponse { Channel = Require(tables.ChannelKind, request.Arn).Channel });

    public ValueTask<BatchGetChannelResponse> BatchGetChannelAsync(BatchGetChannelRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var (channels, errors) = BatchGet(caller, request.Arns!, tables.ChannelKind, IvsOperationsAction.BatchGetChannel);
        return ValueTask.FromResult(new BatchGetChannelResponse { Channels = channels, Errors = errors });
    }

    public ValueTask<ListChannelsResponse> ListChannelsAsync(ListChannelsRequest request, CallerContext caller, CancellationToken cancellationToken)
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

        var (items, next) = Page(tables.ChannelKind, listing, request.NextToken, request.MaxResults ?? 100, Summary, filter);
        return ValueTask.FromResult(new ListChannelsResponse { Channels = items, NextToken = next });
    }

    public async ValueTask<UpdateChannelResponse> UpdateChannelAsync(UpdateChannelRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = await UpdateAsync(
            tables.ChannelKind,
            request.Arn,
            (record, channel) =>
            {
                if (liveStreams.IsLive(record.Channel.Arn!))
                {
                    throw new ConflictException($"Channel {record.Channel.Arn} is live. Stop the stream, update the channel, then restart the stream.");
                }

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
            },
            cancellationToken).ConfigureAwait(false);
        return new UpdateChannelResponse { Channel = channel };
    }

    public async ValueTask DeleteChannelAsync(DeleteChannelRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        string? deleted = null;
        await DeleteAsync(
            tables.ChannelKind,
            request.Arn,
            cancellationToken,
            also: (record, write) =>
            {
                deleted = record.Channel.Arn!;
                if (liveStreams.IsLive(deleted))
                {
                    throw new ConflictException($"Channel {deleted} is live. Stop the stream (StopStream) and wait for it to end before deleting the channel.");
                }

                // The channel's stream keys and viewer revocations go with it.
                foreach (var key in tables.StreamKeys.Ordered)
                {
                    if (key.Value.Key.ChannelArn == deleted)
                    {
                        write.Delete(tables.StreamKeys, key.Id);
                    }
                }

                foreach (var revocation in tables.ViewerRevocations.Ordered)
                {
                    if (revocation.Value.ChannelArn == deleted)
                    {
                        write.Delete(tables.ViewerRevocations, revocation.Id);
                    }
                }
            }).ConfigureAwait(false);
        LogChannelDeleted(logger, deleted!, resources.IdOf(deleted, ResourceType.Channel)!);
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

            tables.ChannelKind.Replace(write, entry.Id, record, channel =>
            {
                channel.IngestEndpoint = ingest;
                channel.PlaybackUrl = playback;
                channel.Srt = new Srt { Endpoint = srt, Passphrase = record.Channel.Srt?.Passphrase };
            });
            changed = true;
        }

        if (changed)
        {
            await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

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
        CheckReference(tables.RecordingConfigurationKind, recordingConfigurationArn);

        // IVS: a channel can only be given a recording configuration that is ready to record.
        if (!string.IsNullOrEmpty(recordingConfigurationArn)
            && resources.IdOf(recordingConfigurationArn, ResourceType.RecordingConfiguration) is { } recordingId
            && tables.RecordingConfigurations.TryGet(recordingId, out var recording)
            && recording.Configuration.State != RecordingConfigurationState.Active)
        {
            throw new ValidationException(
                $"Recording configuration {recordingConfigurationArn} is {recording.Configuration.State?.Value}; a channel can only use an ACTIVE recording configuration.");
        }

        CheckReference(tables.PlaybackRestrictionPolicyKind, playbackRestrictionPolicyArn);
        CheckReference(tables.AdConfigurationKind, adConfigurationArn);
    }

    private void CheckReference<TRecord, TShape>(ResourceKind<TRecord, TShape> kind, string? arn)
        where TRecord : class
        where TShape : class
    {
        if (!string.IsNullOrEmpty(arn))
        {
            Require(kind, arn);
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
