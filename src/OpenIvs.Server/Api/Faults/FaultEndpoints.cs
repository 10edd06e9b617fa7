using System.Text.Json;
using System.Text.Json.Serialization;
using OpenIvs.Protocol.Errors;
using OpenIvs.Server.Auth;

namespace OpenIvs.Server.Api.Faults;

/// <summary><c>/_openivs/faults</c>: GET lists rules, POST adds one, DELETE clears them.</summary>
public static class FaultEndpoints
{
    /// <remarks>Only the account root may change faults: requests are SigV4-verified like API calls.</remarks>
    public static async Task HandleAsync(HttpContext context, FaultInjector faults, IRequestAuthenticator authenticator)
    {
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        try
        {
            context.Request.EnableBuffering();
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            context.Request.Body.Position = 0;
            var principal = await authenticator.AuthenticateAsync(context, buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
            if (principal is Auth.Iam.IamPrincipal { IsRoot: false } user)
            {
                throw new Protocol.Model.AccessDeniedException($"User: {user.Arn} is not authorized to manage fault injection; use the root key.");
            }

            switch (context.Request.Method)
            {
                case "GET":
                    await WriteAsync(context, faults.Rules.Select(r => new FaultRuleBody(r.Operation, r.ErrorCode, r.Count, r.Message)).ToList()).ConfigureAwait(false);
                    break;
                case "POST":
                    var body = await JsonSerializer.DeserializeAsync(context.Request.Body, FaultJsonContext.Default.FaultRuleBody, context.RequestAborted).ConfigureAwait(false)
                        ?? throw new Protocol.Model.ValidationException("Expected a JSON object.");
                    faults.Add(new FaultRule(body.Operation ?? string.Empty, body.ErrorCode ?? string.Empty, body.Count ?? 1, body.Message));
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    break;
                case "DELETE":
                    faults.Clear();
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    break;
                default:
                    throw new IvsException($"Method {context.Request.Method} is not allowed for /_openivs/faults.", "MethodNotAllowedException", 405, IvsErrorFault.Client);
            }
        }
        catch (JsonException e)
        {
            await IvsApiEndpoint.WriteErrorAsync(context.Response, new Protocol.Model.ValidationException("Could not parse the fault rule: " + e.Message)).ConfigureAwait(false);
        }
        catch (IvsException e)
        {
            await IvsApiEndpoint.WriteErrorAsync(context.Response, e).ConfigureAwait(false);
        }
    }

    private static Task WriteAsync(HttpContext context, List<FaultRuleBody> rules)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, rules, FaultJsonContext.Default.ListFaultRuleBody, context.RequestAborted);
    }
}

public sealed record FaultRuleBody(
    [property: JsonPropertyName("operation")] string? Operation,
    [property: JsonPropertyName("errorCode")] string? ErrorCode,
    [property: JsonPropertyName("count")] int? Count,
    [property: JsonPropertyName("message")] string? Message);

[JsonSerializable(typeof(FaultRuleBody))]
[JsonSerializable(typeof(List<FaultRuleBody>))]
internal sealed partial class FaultJsonContext : JsonSerializerContext;
