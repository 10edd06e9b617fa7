using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using OpenIvs.Server.Api;

namespace OpenIvs.Server.Hosting;

/// <summary>
/// Gives the requests Kestrel refuses itself (over-long request line, NUL in the path, oversized headers, a
/// malformed request line or chunk) the API's error shape: status, <c>x-amzn-ErrorType</c>,
/// <c>x-amzn-RequestId</c> and <see cref="IvsErrorBody"/>. Kestrel answers these before the application runs,
/// with an empty body, and has no hook to shape that answer. It does raise a diagnostic event
/// (<see cref="EventName"/>) after choosing the status and before writing; a connection middleware wraps each
/// HTTP connection's output (<see cref="RejectedRequestOutput"/>) so that, on the event, Kestrel's empty answer
/// is replaced by ours. The connection is closed afterwards, as Kestrel does.
/// </summary>
internal sealed class KestrelRejections : IObserver<KeyValuePair<string, object?>>
{
    public const string EventName = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";
    private readonly ConcurrentDictionary<string, RejectedRequestOutput> _connections = new(StringComparer.Ordinal);

    /// <summary>Connection middleware for the HTTP listener (<c>ListenOptions.Use</c>).</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => async connection =>
    {
        var transport = connection.Transport;
        var output = new RejectedRequestOutput(transport.Output);
        connection.Transport = new Pipe(transport.Input, output);
        _connections[connection.ConnectionId] = output;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.ConnectionId, out _);
        }
    };

    public static bool IsEnabled(string name) => name == EventName;

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key != EventName || value.Value is not IFeatureCollection features
            || features.Get<IBadRequestExceptionFeature>()?.Error is not BadHttpRequestException error
            || features.Get<IHttpResponseFeature>() is not { HasStarted: false }
            || features.Get<IHttpConnectionFeature>()?.ConnectionId is not { } connectionId
            || !_connections.TryGetValue(connectionId, out var output))
        {
            return;
        }

        output.Reject(Render(error.StatusCode, error.Message));
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }

    /// <summary>The whole HTTP/1.1 response for a refused request.</summary>
    public static byte[] Render(int status, string message)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body))
        {
            IvsErrorBody.Write(json, message);
        }

        var head = new StringBuilder(256)
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {ReasonPhrases.GetReasonPhrase(status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {DateTimeOffset.UtcNow:r}\r\n")
            .Append("Connection: close\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {body.WrittenCount}\r\n")
            .Append(CultureInfo.InvariantCulture, $"x-amzn-RequestId: {Guid.NewGuid()}\r\n")
            .Append(CultureInfo.InvariantCulture, $"x-amzn-ErrorType: {ErrorType(status)}\r\n")
            .Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        return [.. headBytes, .. body.WrittenSpan];
    }

    private static string ErrorType(int status) => status switch
    {
        400 => "ValidationException",
        405 => "MethodNotAllowedException",
        408 => "RequestTimeoutException",
        411 => "LengthRequiredException",
        413 => "RequestEntityTooLargeException",
        414 => "RequestUriTooLongException",
        431 => "RequestHeaderFieldsTooLargeException",
        505 => "HttpVersionNotSupportedException",
        _ => "BadRequestException",
    };

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
