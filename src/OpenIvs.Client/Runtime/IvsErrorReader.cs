using System.Net.Http.Headers;
using System.Text.Json;
using OpenIvs.Protocol.Errors;

namespace OpenIvs.Client.Runtime;

/// <summary>
/// Reads a restJson1 error response: the code from <c>x-amzn-ErrorType</c> (else the body's <c>__type</c> or
/// <c>code</c>), sanitized to the shape name (text after '#', before ':'); the message from the body's
/// <c>message</c>/<c>Message</c>/<c>exceptionMessage</c> (else <c>x-amzn-ErrorMessage</c>); the request id
/// from <c>x-amzn-RequestId</c>. A modelled code gives its exception type; any other an <see cref="IvsException"/>.
/// </summary>
internal static class IvsErrorReader
{
    public static IvsException Read(int statusCode, string? reasonPhrase, HttpResponseHeaders headers, byte[] body)
    {
        string? code = HeaderValue(headers, "x-amzn-ErrorType");
        string? message = null;
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        if (property.Value.ValueKind != JsonValueKind.String)
                        {
                            continue;
                        }

                        switch (property.Name)
                        {
                            case "__type" or "code" or "Code":
                                code ??= property.Value.GetString();
                                break;
                            case "message" or "Message" or "exceptionMessage" or "errorMessage":
                                message ??= property.Value.GetString();
                                break;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML page, say): status and headers are all there is.
            }
        }

        message ??= HeaderValue(headers, "x-amzn-ErrorMessage");
        code = Sanitize(code);
        var error = code is null
            ? new IvsException(message ?? $"The service answered HTTP {statusCode} {reasonPhrase} without an error code.", UnknownCode(statusCode), statusCode, Fault(statusCode))
            : IvsErrors.TryCreate(code, message) ?? new IvsException(message, code, statusCode, Fault(statusCode));
        error.RequestId = HeaderValue(headers, "x-amzn-RequestId") ?? HeaderValue(headers, "x-amz-request-id");
        return error;
    }

    /// <summary><c>aws.protocoltests.restjson#FooError:http://internal.amazon.com/...</c> -> <c>FooError</c>.</summary>
    public static string? Sanitize(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        code = code.Trim();
        return code.Length == 0 ? null : code;
    }

    private static string UnknownCode(int statusCode) => statusCode switch
    {
        429 => "TooManyRequestsException",
        >= 500 => "InternalFailure",
        _ => "UnknownError",
    };

    private static IvsErrorFault Fault(int statusCode) => statusCode >= 500 ? IvsErrorFault.Server : IvsErrorFault.Client;

    private static string? HeaderValue(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
