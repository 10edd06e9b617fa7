using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Cluster;

/// <summary>
/// Passes the API's actions on a live stream to the node holding it (<see cref="NodeEndpoints"/> on that node),
/// signed with <see cref="NodeSignature"/>. Every call is bounded by a short timeout; only the idempotent ones (stop,
/// the ingest read) are tried a second time, and only when the first attempt never reached the holder.
/// A holder that cannot be reached, answers late or answers anything unexpected is a <see cref="NodeUnreachableException"/>.
/// </summary>
public sealed class NodeClient : IDisposable
{
    /// <summary>How long to wait for a connection to another node.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>PutMetadata, InsertAdBreak and reads: the holder answers from memory.</summary>
    public static readonly TimeSpan ActionTimeout = TimeSpan.FromSeconds(3);

    /// <summary>StopStream: the holder answers once the end of the session is stored.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly NodeSignature _signature;

    public NodeClient(NodeSignature signature)
        : this(signature, new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2), // a node's address may move (DNS)
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
        })
    {
    }

    internal NodeClient(NodeSignature signature, HttpMessageHandler handler)
    {
        _signature = signature;
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Ends the holder's stream; false when the holder no longer has it live.</summary>
    public async ValueTask<bool> StopAsync(RemoteStream holder, CancellationToken cancellationToken) =>
        await SendAsync(holder, NodeEndpoints.StopPath, string.Empty, StopTimeout, idempotent: true, cancellationToken).ConfigureAwait(false)
            == NodeEndpoints.Done;

    /// <summary>Puts metadata into the holder's stream; false when not live there. Throws ThrottlingException when the holder's per-channel quota is spent.</summary>
    public async ValueTask<bool> PutMetadataAsync(RemoteStream holder, string metadata, CancellationToken cancellationToken)
    {
        // In the signed query, not in an unsigned body: the signature covers the metadata.
        var query = "&m=" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(metadata));
        return await SendAsync(holder, NodeEndpoints.MetadataPath, query, ActionTimeout, idempotent: false, cancellationToken).ConfigureAwait(false)
            == NodeEndpoints.Done;
    }

    public async ValueTask<AdBreakInsertion> InsertAdBreakAsync(RemoteStream holder, string adBreakId, TimeSpan duration, CancellationToken cancellationToken)
    {
        var query = "&id=" + Uri.EscapeDataString(adBreakId) + "&ms=" + (long)duration.TotalMilliseconds;
        return await SendAsync(holder, NodeEndpoints.AdBreakPath, query, ActionTimeout, idempotent: false, cancellationToken).ConfigureAwait(false) switch
        {
            NodeEndpoints.Done => AdBreakInsertion.Inserted,
            NodeEndpoints.InProgress => AdBreakInsertion.InProgress,
            _ => AdBreakInsertion.NotLive,
        };
    }

    /// <summary>What the holder's stream ingests now (its measured bitrates); null when not live there or not yet known.</summary>
    public ValueTask<IngestConfigurations?> IngestAsync(RemoteStream holder, CancellationToken cancellationToken) =>
        ReadAsync(holder, NodeEndpoints.IngestPath, NodeJsonContext.Default.IngestConfigurations, cancellationToken);

    /// <summary>The holder's figures of its stream for the console's charts; null when not live there.</summary>
    public ValueTask<LiveFigures?> FiguresAsync(RemoteStream holder, CancellationToken cancellationToken) =>
        ReadAsync(holder, NodeEndpoints.FiguresPath, NodeJsonContext.Default.LiveFigures, cancellationToken);

    public void Dispose() => _http.Dispose();

    /// <summary>The channel, and a nonce that makes every request (and so its signature) unique: the holder accepts each once.</summary>
    private static string Query(string channelArn) =>
        "c=" + Uri.EscapeDataString(channelArn) + "&n=" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));

    /// <summary>A read of the holder's stream (idempotent): its JSON answer, or null when the stream is not live there.</summary>
    private async ValueTask<T?> ReadAsync<T>(RemoteStream holder, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var answer = await SendAsync(holder, path, string.Empty, ActionTimeout, idempotent: true, cancellationToken).ConfigureAwait(false);
        try
        {
            return answer is NodeEndpoints.NotLive or "" ? null : JsonSerializer.Deserialize(answer, type);
        }
        catch (JsonException e)
        {
            throw new NodeUnreachableException(holder.NodeId, $"node {holder.NodeId} answered something else than a {typeof(T).Name}", e);
        }
    }

    /// <summary>POSTs a signed request about the holder's channel (<paramref name="arguments"/> after it) and returns the holder's answer (a word, or JSON).</summary>
    private async Task<string> SendAsync(
        RemoteStream holder, string path, string arguments, TimeSpan timeout, bool idempotent, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        for (var attempt = 1; ; attempt++)
        {
            var uri = new Uri(holder.AdvertiseUrl, path + "?" + Query(holder.ChannelArn) + arguments);
            using var request = new HttpRequestMessage(HttpMethod.Post, uri);
            request.Headers.TryAddWithoutValidation(NodeSignature.HeaderName, _signature.Sign("POST", uri.PathAndQuery));
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, bound.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(bound.Token).ConfigureAwait(false);
                return response.StatusCode switch
                {
                    HttpStatusCode.OK => body,
                    HttpStatusCode.TooManyRequests => throw new ThrottlingException(body),
                    _ => throw new NodeUnreachableException(holder.NodeId, $"node {holder.NodeId} answered {(int)response.StatusCode}"),
                };
            }
            catch (HttpRequestException e) when (idempotent && attempt == 1 && e.HttpRequestError == HttpRequestError.ConnectionError && !bound.IsCancellationRequested)
            {
                // Not connected: the holder did nothing, so a second try (with a fresh nonce and signature) is safe.
            }
            catch (HttpRequestException e)
            {
                throw new NodeUnreachableException(holder.NodeId, e.Message, e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new NodeUnreachableException(holder.NodeId, $"node {holder.NodeId} did not answer within {timeout.TotalSeconds:0.#} s", e);
            }
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IngestConfigurations))]
[JsonSerializable(typeof(LiveFigures))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;
