using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Events;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Api;

/// <summary>
/// <c>GET /_openivs/events</c>: the outbox as Server-Sent Events (<c>id:</c> the outbox position, <c>event:</c> the
/// detail-type, <c>data:</c> the event JSON), from now on or after <c>Last-Event-ID</c>, optionally only one
/// channel's (<c>?channelArn=</c>). Signed like an API call (header or presigned) and allowed by the policy
/// action <c>openivs:ReadEvents</c> on the channel ARN (or <c>*</c> without a filter). Each client reads the
/// outbox at its own position, a batch at a time, so a slow client holds no more than one batch.
/// </summary>
public sealed class EventStreamEndpoint(
    IStateStore store, IRequestAuthenticator authenticator, IRequestAuthorizer authorizer, ApiOptions options,
    TimeProvider time, IHostApplicationLifetime lifetime)
{
    public const string Path = "/_openivs/events";
    public const string Action = "openivs:ReadEvents";

    private const int BatchSize = 100;
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        long position;
        string? channelArn;
        try
        {
            if (!HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Headers.Allow = "GET";
                throw new IvsException("Only GET is supported here.", "MethodNotAllowed", 405, IvsErrorFault.Client);
            }

            var principal = await authenticator.AuthenticateAsync(context, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            channelArn = context.Request.Query.TryGetValue("channelArn", out var filter) ? filter.ToString() : null;
            if (channelArn is { Length: 0 })
            {
                throw new ValidationException("channelArn must not be empty.");
            }

            var resource = channelArn ?? "*";
            if (!authorizer.IsAllowed(principal ?? string.Empty, Action, resource))
            {
                var who = principal is Auth.Iam.IamPrincipal user ? user.Arn : "anonymous";
                throw new AccessDeniedException($"User: {who} is not authorized to perform: {Action} on resource: {resource}");
            }

            position = StartPosition(context.Request.Headers["Last-Event-ID"].ToString());
        }
        catch (IvsException e)
        {
            await IvsApiEndpoint.WriteErrorAsync(context.Response, e).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var outbox = store.Outbox;
        try
        {
            // A first comment sends the headers, so the client knows it is subscribed.
            await response.Body.WriteAsync(": subscribed\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                // Everything up to the outbox's last position as of now is committed: a filtered read that comes
                // back short has seen all of it, so the wait is for something after that.
                var last = outbox.LastPosition;
                var batch = await outbox.ReadAsync(position, BatchSize, channelArn, cancellationToken).ConfigureAwait(false);
                foreach (var e in batch)
                {
                    await response.Body.WriteAsync(Format(e), cancellationToken).ConfigureAwait(false);
                    position = e.Position;
                }

                if (batch.Count > 0)
                {
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (batch.Count == BatchSize)
                {
                    continue;
                }

                var scanned = Math.Max(position, last);
                try
                {
                    await outbox.WaitAsync(scanned, cancellationToken).WaitAsync(options.EventStreamKeepAlive, time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await response.Body.WriteAsync(KeepAliveComment, cancellationToken).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the service is stopping; EventSource reconnects with Last-Event-ID.
        }
    }

    /// <summary>After <c>Last-Event-ID</c> when given (a non-negative integer), else from now on.</summary>
    private long StartPosition(string lastEventId)
    {
        if (lastEventId.Length == 0)
        {
            return store.Outbox.LastPosition;
        }

        return long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ValidationException("Last-Event-ID must be an event id from this stream (a non-negative integer).");
    }

    /// <summary>One SSE message; the JSON is on one line, but a line break would still be framed correctly.</summary>
    private static byte[] Format(OutboxEvent e)
    {
        var text = new StringBuilder(e.Json.Length + 64)
            .Append("id: ").Append(e.Position.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(e.DetailType).Append('\n');
        foreach (var line in e.Json.Split('\n'))
        {
            text.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.Append('\n').ToString());
    }
}
