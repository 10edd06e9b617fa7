using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;
using OpenIvs.Protocol.Validation;
using OpenIvs.Server.Auth;

namespace OpenIvs.Server.Api;

/// <summary>One API request as the generated invokers see it: body, URI label, query and headers.</summary>
public sealed class IvsApiRequest
{
    private readonly IRequestAuthorizer _authorizer;
    private readonly RateLimits.ApiRateLimits? _rateLimits;

    public IvsApiRequest(
        HttpContext httpContext,
        string requestId,
        ReadOnlyMemory<byte> body,
        string? label,
        object? principal,
        IRequestAuthorizer authorizer,
        RateLimits.ApiRateLimits? rateLimits = null)
    {
        _rateLimits = rateLimits;
        HttpContext = httpContext;
        RequestId = requestId;
        Body = body;
        Label = label;
        Principal = principal;
        _authorizer = authorizer;
        Caller = new CallerContext(principal, authorizer);
    }

    public HttpContext HttpContext { get; }

    public string RequestId { get; }

    /// <summary>The request body (already read in full, within the size limit).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The decoded URI label of a template route (<c>/tags/{resourceArn}</c>).</summary>
    public string? Label { get; }

    /// <summary>Who is calling, as authenticated (null while authentication is off).</summary>
    public object? Principal { get; }

    /// <summary>The caller as the service sees it, for per-item checks (passed to every operation).</summary>
    public CallerContext Caller { get; }

    /// <summary>Reads the JSON body; an empty body is an empty input.</summary>
    public T ReadBody<T>(JsonTypeInfo<T> typeInfo)
        where T : class, new()
    {
        if (Body.IsEmpty)
        {
            return new T();
        }

        try
        {
            return JsonSerializer.Deserialize(Body.Span, typeInfo)
                ?? throw new ValidationException("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? string.Empty : $" at '{e.Path}'";
            throw new ValidationException($"Could not parse the request body{where}: {DescribeJsonError(e)}");
        }
    }

    public List<string>? QueryValues(string name)
    {
        var values = HttpContext.Request.Query[name];
        return values.Count == 0 ? null : [.. values.Select(v => v ?? string.Empty)];
    }

    public string? QueryValue(string name)
    {
        var values = HttpContext.Request.Query[name];
        return values.Count == 0 ? null : values[^1];
    }

    public string? Header(string name)
    {
        var values = HttpContext.Request.Headers[name];
        return values.Count == 0 ? null : values.ToString();
    }

    /// <summary>Checks the input against the model's constraints; throws <see cref="ValidationException"/>.</summary>
    public void Validate(IValidatable input)
    {
        var result = default(ValidationResult);
        input.Validate(ref result, string.Empty);
        if (!result.IsValid)
        {
            throw new ValidationException(result.Message);
        }
    }

    /// <summary>Authorizes the call, then applies the API rate limits when they are on.</summary>
    public ValueTask AuthorizeAsync(OperationInfo operation, object input, CancellationToken cancellationToken)
    {
        var authorized = _authorizer.AuthorizeAsync(Principal, RequestId, operation, input, cancellationToken);
        if (_rateLimits is null)
        {
            return authorized;
        }

        return authorized.IsCompletedSuccessfully ? Limit(operation, input) : AwaitThenLimit(authorized, operation, input);
    }

    private ValueTask Limit(OperationInfo operation, object input)
    {
        _rateLimits!.Acquire(operation, input);
        return ValueTask.CompletedTask;
    }

    private async ValueTask AwaitThenLimit(ValueTask authorized, OperationInfo operation, object input)
    {
        await authorized.ConfigureAwait(false);
        _rateLimits!.Acquire(operation, input);
    }

    // The framework's messages name CLR types ("System.Nullable`1[System.Int32]"); say it in JSON terms.
    private static string DescribeJsonError(JsonException e)
    {
        var message = e.Message;
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return "the value has the wrong type for this member.";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
