using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Features;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;
using OpenIvs.Server.Api;
using OpenIvs.Server.Api.RateLimits;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// <c>/_openivs/cluster/live/*</c>: the actions other nodes pass to this node for the live streams it holds
/// (<see cref="NodeClient"/>). Only requests signed by a node of the cluster (<see cref="NodeSignature"/>, from the
/// shared <c>master.key</c>) are accepted, each signature once; API credentials, even the root key's, count for
/// nothing here. The channel is in <c>c</c>; every argument is in the signed query string.
/// </summary>
public sealed partial class NodeEndpoints(
    LiveStreams live, LiveStreamHub hub, NodeSignature signature, ApiOptions api, ApiRateLimits rateLimits, TimeProvider time,
    ILogger<NodeEndpoints> logger)
{
    public const string PathPrefix = "/_openivs/cluster/live/";
    public const string StopPath = PathPrefix + "stop";
    public const string MetadataPath = PathPrefix + "metadata";
    public const string AdBreakPath = PathPrefix + "adbreak";
    public const string IngestPath = PathPrefix + "ingest";
    public const string FiguresPath = PathPrefix + "figures";

    /// <summary>Answers (200, text/plain) besides the ingest JSON.</summary>
    public const string Done = "done";
    public const string NotLive = "not-live";
    public const string InProgress = "in-progress";

    private const int MaxMetadataBytes = 1024;

    /// <summary>Signatures already used, with when they stop being valid: a captured request cannot be played again.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString);
        var header = (string?)request.Headers[NodeSignature.HeaderName];
        var node = HttpMethods.IsPost(request.Method) ? signature.Verify(header, "POST", target) : null;
        if (node is null || !FirstUse(header!))
        {
            // Never the header or the query (it carries metadata): the path and who sent it.
            LogRefused(logger, path, context.Connection.RemoteIpAddress);
            await AnswerAsync(context, StatusCodes.Status403Forbidden, "forbidden").ConfigureAwait(false);
            return;
        }

        var channel = (string?)request.Query["c"];
        if (string.IsNullOrEmpty(channel))
        {
            await AnswerAsync(context, StatusCodes.Status400BadRequest, "channel missing").ConfigureAwait(false);
            return;
        }

        LogAction(logger, node, path, channel);
        try
        {
            await ActAsync(context, path, channel).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The calling node gave up (its timeout): nothing to answer.
        }
    }

    private async Task ActAsync(HttpContext context, string path, string channel)
    {
        var request = context.Request;
        switch (path)
        {
            case StopPath:
                var stopped = await live.StopAsync(channel, context.RequestAborted).ConfigureAwait(false);
                await AnswerAsync(context, StatusCodes.Status200OK, stopped ? Done : NotLive).ConfigureAwait(false);
                break;
            case MetadataPath:
                await PutMetadataAsync(context, channel).ConfigureAwait(false);
                break;
            case AdBreakPath:
                var id = (string?)request.Query["id"];
                if (id is not { Length: 12 } || !id.All(char.IsAsciiLetterOrDigit)
                    || !long.TryParse(request.Query["ms"], out var milliseconds) || milliseconds is < 1000 or > 300_000)
                {
                    await AnswerAsync(context, StatusCodes.Status400BadRequest, "bad ad break").ConfigureAwait(false);
                    return;
                }

                var inserted = live.InsertAdBreak(channel, id, TimeSpan.FromMilliseconds(milliseconds));
                await AnswerAsync(context, StatusCodes.Status200OK, inserted switch
                {
                    AdBreakInsertion.Inserted => Done,
                    AdBreakInsertion.InProgress => InProgress,
                    _ => NotLive,
                }).ConfigureAwait(false);
                break;
            case IngestPath:
                await AnswerJsonAsync(context, live.LiveIngest(channel), NodeJsonContext.Default.IngestConfigurations).ConfigureAwait(false);
                break;
            case FiguresPath:
                await AnswerJsonAsync(context, hub.Find(channel) is { } stream ? LiveFigures.Of(stream) : null, NodeJsonContext.Default.LiveFigures).ConfigureAwait(false);
                break;
            default:
                await AnswerAsync(context, StatusCodes.Status404NotFound, "unknown").ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// The holder counts every PutMetadata for its stream in the same per-channel bucket as the calls made to its own
    /// API: whichever nodes the calls arrive at, at most the quota reaches the stream.
    /// </summary>
    private async Task PutMetadataAsync(HttpContext context, string channel)
    {
        var encoded = (string?)context.Request.Query["m"] ?? string.Empty;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(encoded);
        }
        catch (FormatException)
        {
            bytes = [];
        }

        if (bytes.Length is 0 or > MaxMetadataBytes)
        {
            await AnswerAsync(context, StatusCodes.Status400BadRequest, "bad metadata").ConfigureAwait(false);
            return;
        }

        if (api.EnableRateLimits)
        {
            try
            {
                rateLimits.Acquire(IvsOperations.PutMetadata, new PutMetadataRequest { ChannelArn = channel });
            }
            catch (ThrottlingException e)
            {
                await AnswerAsync(context, StatusCodes.Status429TooManyRequests, e.Message).ConfigureAwait(false);
                return;
            }
        }

        var put = await live.PutMetadataAsync(channel, Encoding.UTF8.GetString(bytes), context.RequestAborted).ConfigureAwait(false);
        await AnswerAsync(context, StatusCodes.Status200OK, put ? Done : NotLive).ConfigureAwait(false);
    }

    private bool FirstUse(string header)
    {
        var now = time.GetUtcNow();
        if (_used.Count > 4096)
        {
            foreach (var (used, until) in _used)
            {
                if (until < now)
                {
                    _used.TryRemove(used, out _);
                }
            }
        }

        // A signature is valid within Validity either side of its time: remember it at least that long.
        return _used.TryAdd(header, now + NodeSignature.Validity + NodeSignature.Validity);
    }

    /// <summary>A read's answer: the JSON of <paramref name="value"/>, or <see cref="NotLive"/>.</summary>
    private static async Task AnswerJsonAsync<T>(HttpContext context, T? value, JsonTypeInfo<T> type)
        where T : class
    {
        if (value is null)
        {
            await AnswerAsync(context, StatusCodes.Status200OK, NotLive).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task AnswerAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a cluster request to {Path} from {Remote}: no valid node signature, or one already used")]
    private static partial void LogRefused(ILogger logger, string path, IPAddress? remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {Node} asked {Path} for {ChannelArn}")]
    private static partial void LogAction(ILogger logger, string node, string path, string channelArn);
}
