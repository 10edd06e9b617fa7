using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public ValueTask<GetStreamResponse> GetStreamAsync(GetStreamRequest request, CancellationToken cancellationToken)
    {
        var channel = RequireChannel(request.ChannelArn).Channel;
        var stream = liveStreams.GetStream(channel.Arn!) ?? throw NotBroadcasting(channel.Arn!);
        return ValueTask.FromResult(new GetStreamResponse { Stream = stream });
    }

    public ValueTask<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken)
    {
        var health = request.FilterBy?.Health;
        var listing = "ListStreams|" + health?.Value;
        var after = tokens.Read(listing, request.NextToken);
        var max = request.MaxResults ?? 100;
        var matching = liveStreams.ListStreams()
            .Where(s => health is null || s.Health == health)
            .Select((s, index) => (Stream: s, Position: index + 1L))
            .Where(p => p.Position > after)
            .ToList();
        var page = matching.Take(max).ToList();
        var next = matching.Count > max ? tokens.Create(listing, page[^1].Position) : null;
        return ValueTask.FromResult(new ListStreamsResponse { Streams = page.ConvertAll(p => p.Stream), NextToken = next });
    }

    public async ValueTask<StopStreamResponse> StopStreamAsync(StopStreamRequest request, CancellationToken cancellationToken)
    {
        var channel = RequireChannel(request.ChannelArn).Channel;
        if (!await liveStreams.StopAsync(channel.Arn!, cancellationToken).ConfigureAwait(false))
        {
            throw NotBroadcasting(channel.Arn!);
        }

        return new StopStreamResponse();
    }

    public async ValueTask PutMetadataAsync(PutMetadataRequest request, CancellationToken cancellationToken)
    {
        var channel = RequireChannel(request.ChannelArn).Channel;
        if (System.Text.Encoding.UTF8.GetByteCount(request.Metadata!) > 1024)
        {
            throw new ValidationException("Metadata size exceeds payload limit");
        }

        if (!await liveStreams.PutMetadataAsync(channel.Arn!, request.Metadata!, cancellationToken).ConfigureAwait(false))
        {
            throw NotBroadcasting(channel.Arn!);
        }
    }

    public ValueTask<GetStreamSessionResponse> GetStreamSessionAsync(GetStreamSessionRequest request, CancellationToken cancellationToken)
    {
        var channel = RequireChannel(request.ChannelArn).Channel;
        var sessions = liveStreams.ListSessions(channel.Arn!);
        var session = request.StreamId is null
            ? sessions.FirstOrDefault()
            : sessions.FirstOrDefault(s => s.StreamId == request.StreamId);
        return session is null
            ? throw new ResourceNotFoundException(request.StreamId is null
                ? $"Channel {channel.Arn} has no stream sessions."
                : $"Stream session {request.StreamId} not found for channel {channel.Arn}.")
            : ValueTask.FromResult(new GetStreamSessionResponse { StreamSession = session });
    }

    public ValueTask<ListStreamSessionsResponse> ListStreamSessionsAsync(ListStreamSessionsRequest request, CancellationToken cancellationToken)
    {
        var channel = RequireChannel(request.ChannelArn).Channel;
        var listing = "ListStreamSessions|" + channel.Arn;
        var sessions = liveStreams.ListSessions(channel.Arn!);

        // Sessions are listed newest first; the token holds the start time (ticks) of the last one returned.
        var after = tokens.Read(listing, request.NextToken);
        var max = request.MaxResults ?? 100;
        var matching = sessions.Where(s => after == 0 || s.StartTime!.Value.UtcTicks < after).ToList();
        var page = matching.Take(max).ToList();
        var next = matching.Count > max ? tokens.Create(listing, page[^1].StartTime!.Value.UtcTicks) : null;
        var summaries = page.ConvertAll(s => new StreamSessionSummary
        {
            StreamId = s.StreamId,
            StartTime = s.StartTime,
            EndTime = s.EndTime,
            HasErrorEvent = s.TruncatedEvents?.Any(Streams.StreamSessionRecord.IsErrorEvent) ?? false,
        });
        return ValueTask.FromResult(new ListStreamSessionsResponse { StreamSessions = summaries, NextToken = next });
    }

    private static ChannelNotBroadcasting NotBroadcasting(string channelArn) => new($"Channel: {channelArn} is not currently online");
}
