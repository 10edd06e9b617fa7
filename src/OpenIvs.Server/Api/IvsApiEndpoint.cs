using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Api.Faults;
using OpenIvs.Server.Auth;

namespace OpenIvs.Server.Api;

/// <summary>
/// The HTTP face of the IVS API (restJson1): finds the operation, reads the body within its limit,
/// authenticates, runs the generated invoker, and writes the answer or the error in IVS's shape
/// (status from the model, <c>x-amzn-ErrorType</c>, <c>{"exceptionMessage": ..., "message": ...}</c>).
/// Every response carries <c>x-amzn-RequestId</c>.
/// </summary>
public sealed partial class IvsApiEndpoint(
    IIvsService service,
    IRequestAuthenticator authenticator,
    IRequestAuthorizer authorizer,
    ApiLimits limits,
    FaultInjector faults,
    RateLimits.ApiRateLimits rateLimits,
    ApiOptions options,
    Telemetry.MonitoringOptions monitoring,
    Telemetry.ApiTelemetry telemetry,
    ILogger<IvsApiEndpoint> logger)
{
    private readonly bool _scopes = monitoring.JsonLogs;
    private readonly bool _faultsEnabled = options.EnableFaultInjection;
    private readonly RateLimits.ApiRateLimits? _rateLimits = options.EnableRateLimits ? rateLimits : null;

    private const string JsonContentType = "application/json";

    // Headers browsers may send and read, from the model's @cors trait plus the SigV4 ones.
    private const string CorsAllowHeaders =
        "Authorization, Content-Type, X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256, X-Amz-User-Agent, " +
        "X-Api-Key, amz-sdk-invocation-id, amz-sdk-request";

    private const string CorsExposeHeaders =
        "x-amzn-errortype, x-amzn-requestid, x-amzn-errormessage, x-amzn-trace-id, x-amz-apigw-id, date";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = Guid.NewGuid().ToString();
        var request = context.Request;
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = requestId;
        if (request.Headers.Origin.Count > 0)
        {
            response.Headers.AccessControlAllowOrigin = "*";
            response.Headers.AccessControlExposeHeaders = CorsExposeHeaders;
        }

        if (HttpMethods.IsOptions(request.Method))
        {
            response.Headers.AccessControlAllowMethods = "GET, POST, DELETE, OPTIONS";
            response.Headers.AccessControlAllowHeaders = CorsAllowHeaders;
            response.Headers.AccessControlMaxAge = "86400";
            response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var route = IvsApiRoutes.Find(request.Method, rawPath, out var label, out var pathMatched);
        var operation = route?.Operation.Name ?? "-";
        object? principal = null;
        byte[]? rented = null;
        var status = 0;
        string? errorCode = null;
        var activity = telemetry.StartRequest(request, operation, requestId);
        using var scope = _scopes ? logger.BeginScope(new Telemetry.RequestScope(requestId, operation)) : null;
        try
        {
            if (route is null)
            {
                throw pathMatched
                    ? new IvsException($"Method {request.Method} is not allowed for {rawPath}.", "MethodNotAllowedException", 405, IvsErrorFault.Client)
                    : new IvsException($"No operation matches {request.Method} {rawPath}.", "UnknownOperationException", 404, IvsErrorFault.Client);
            }

            (rented, var length) = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
            var body = rented is null ? ReadOnlyMemory<byte>.Empty : rented.AsMemory(0, length);
            principal = await authenticator.AuthenticateAsync(context, body, context.RequestAborted).ConfigureAwait(false);
            if (_faultsEnabled)
            {
                faults.ThrowIfInjected(route.Operation);
            }

            var apiRequest = new IvsApiRequest(context, requestId, body, label, principal, authorizer, _rateLimits);
            var result = await route.Invoke(apiRequest, service, context.RequestAborted).ConfigureAwait(false);
            status = result.StatusCode;
            await WriteResultAsync(response, result).ConfigureAwait(false);
        }
        catch (IvsException e)
        {
            status = e.StatusCode;
            errorCode = e.ErrorCode;
            await WriteErrorAsync(response, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499; // the client went away; nothing to answer
        }
        catch (BadHttpRequestException e)
        {
            status = 400;
            await WriteErrorAsync(response, new ValidationException($"The request could not be read: {e.Message}")).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            status = 500;
            errorCode = "InternalServerException";
            LogUnhandled(logger, e, requestId, operation);
            await WriteErrorAsync(response, new InternalServerException("The service hit an unexpected error. Request ID: " + requestId)).ConfigureAwait(false);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            LogRequest(logger, requestId, operation, PrincipalName(principal), status, elapsed.TotalMilliseconds);
            telemetry.RequestEnded(activity, operation, status, errorCode, elapsed); // after the log line: it carries the span's ids
        }
    }

    private static string PrincipalName(object? principal) => principal?.ToString() ?? "anonymous";

    private async Task<(byte[]? Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var max = limits.MaxRequestBodyBytes;
        if (request.ContentLength > max)
        {
            throw new ValidationException($"The request body is larger than {max} bytes.");
        }

        if (request.ContentLength == 0)
        {
            return (null, 0);
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new ValidationException($"The request body is larger than {max} bytes.");
            }

            if (read.IsCompleted)
            {
                if (buffer.Length == 0)
                {
                    reader.AdvanceTo(buffer.End);
                    return (null, 0);
                }

                var length = (int)buffer.Length;
                var rented = ArrayPool<byte>.Shared.Rent(length);
                buffer.CopyTo(rented);
                reader.AdvanceTo(buffer.End);
                return (rented, length);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task WriteResultAsync(HttpResponse response, IvsApiResponse result)
    {
        response.StatusCode = result.StatusCode;
        if (result.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }
        }

        if (result.Body is null || result.BodyType is null)
        {
            response.ContentLength = 0;
            return;
        }

        var (buffer, writer) = RentWriter();
        JsonSerializer.Serialize(writer, result.Body, result.BodyType);
        writer.Flush();
        response.ContentType = JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        await response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Writes an error as IVS does (model status, <c>x-amzn-ErrorType</c>), with <see cref="IvsErrorBody"/>.</summary>
    public static async Task WriteErrorAsync(HttpResponse response, IvsException error)
    {
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = error.StatusCode;
        response.Headers["x-amzn-ErrorType"] = error.ErrorCode;
        var (buffer, writer) = RentWriter();
        IvsErrorBody.Write(writer, error.Message);
        writer.Flush();
        response.ContentType = JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        await response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }

    // One buffer and writer per thread: serialization is synchronous and the bytes are copied into the
    // response pipe before the first await, so reuse is safe and keeps the hot path allocation-free.
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) RentWriter()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false });
        writer.Reset(buffer);
        return (buffer, writer);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{RequestId} {Operation} principal={Principal} status={Status} {ElapsedMs:F1}ms")]
    private static partial void LogRequest(ILogger logger, string requestId, string operation, string principal, int status, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "{RequestId} {Operation} failed unexpectedly")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string requestId, string operation);
}
