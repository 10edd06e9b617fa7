using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Api.Service;

public sealed partial class IvsService
{
    public ValueTask<GetStreamResponse> GetStreamAsync(GetStreamRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        var stream = liveStreams.GetStream(channel.Arn!) ?? throw NotBroadcasting(channel.Arn!);
        return ValueTask.FromResult(new GetStreamResponse { Stream = stream });
    }

    public ValueTask<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        // Live streams in the order they went live; a stream keeps its place (start time, then stream id)
        // while it lives, so one that ends or starts between pages moves no other.
        var health = request.FilterBy?.Health;
        var streams = liveStreams.ListStreams().ToArray(); // already in StreamKey order (ILiveStreams)
        var (items, next) = tokens.Page(
            "ListStreams|" + health?.Value, request.NextToken, request.MaxResults ?? 100, streams, StreamKey, s => s,
            health is null ? null : s => s.Health == health);
        return ValueTask.FromResult(new ListStreamsResponse { Streams = items, NextToken = next });
    }

    public async ValueTask<StopStreamResponse> StopStreamAsync(StopStreamRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        if (!await liveStreams.StopAsync(channel.Arn!, cancellationToken).ConfigureAwait(false))
        {
            throw NotBroadcasting(channel.Arn!);
        }

        return new StopStreamResponse();
    }

    public async ValueTask PutMetadataAsync(PutMetadataRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        if (System.Text.Encoding.UTF8.GetByteCount(request.Metadata!) > 1024)
        {
            throw new ValidationException("Metadata size exceeds payload limit");
        }

        if (!await liveStreams.PutMetadataAsync(channel.Arn!, request.Metadata!, cancellationToken).ConfigureAwait(false))
        {
            throw NotBroadcasting(channel.Arn!);
        }
    }

    public async ValueTask<GetStreamSessionResponse> GetStreamSessionAsync(GetStreamSessionRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        var sessions = await liveStreams.ListSessionsAsync(channel.Arn!, cancellationToken).ConfigureAwait(false);
        var session = request.StreamId is null
            ? sessions.FirstOrDefault()
            : sessions.FirstOrDefault(s => s.StreamId == request.StreamId);
        return session is null
            ? throw new ResourceNotFoundException(request.StreamId is null
                ? $"Channel {channel.Arn} has no stream sessions."
                : $"Stream session {request.StreamId} not found for channel {channel.Arn}.")
            : new GetStreamSessionResponse { StreamSession = session };
    }

    public ValueTask<ListStreamSessionsResponse> ListStreamSessionsAsync(ListStreamSessionsRequest request, CallerContext caller, CancellationToken cancellationToken)
    {
        var channel = Require(tables.ChannelKind, request.ChannelArn).Channel;
        // Newest first, by start time, then stream id.
        var sessions = liveStreams.ListSessionSummaries(channel.Arn!).ToArray(); // already in descending SessionKey order (ILiveStreams)
        var (items, next) = tokens.Page(
            "ListStreamSessions|" + channel.Arn, request.NextToken, request.MaxResults ?? 100, sessions, SessionKey, s => s, descending: true);
        return ValueTask.FromResult(new ListStreamSessionsResponse { StreamSessions = items, NextToken = next });
    }

    private static PageKey StreamKey(StreamSummary stream) => new(stream.StartTime!.Value.UtcTicks, stream.StreamId!);

    private static PageKey SessionKey(StreamSessionSummary session) => new(session.StartTime!.Value.UtcTicks, session.StreamId!);

    private static ChannelNotBroadcasting NotBroadcasting(string channelArn) => new($"Channel: {channelArn} is not currently online");
}
