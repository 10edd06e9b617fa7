namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>
/// What every API response must look like, whatever was sent: never a 5xx; every response carries
/// <c>x-amzn-RequestId</c>; every error carries <c>x-amzn-ErrorType</c>, a JSON body with <c>exceptionMessage</c> (and the same text in <c>message</c>)
/// and the status the model gives that error, and is one of the operation's modelled errors; a success has the
/// operation's modelled status. Requests that name no operation get 404 UnknownOperationException, or 405
/// MethodNotAllowedException when the path exists under another method.
/// </summary>
public static class ResponseRules
{
    public static void AssertWellFormed(RawRequest request, RawResponse response)
    {
        var model = IvsModel.Instance;
        var context = $"request: {request}\nresponse: {response}";
        var rawPath = request.Target.Split('?')[0];
        var operation = model.Route(request.Method, rawPath);
        var head = request.Method == "HEAD";

        Check(response.Status < 500, "a 5xx answer", context);
        Check(!string.IsNullOrEmpty(response.Header("x-amzn-RequestId")), "no x-amzn-RequestId", context);

        if (request.Method == "OPTIONS")
        {
            Check(response.Status == 200, "a CORS preflight (OPTIONS) that is not 200", context);
            return;
        }

        if (response.Status >= 400)
        {
            var errorType = response.Header("x-amzn-ErrorType");
            Check(!string.IsNullOrEmpty(errorType), "an error without x-amzn-ErrorType", context);
            if (!head)
            {
                Check(response.Header("Content-Type")?.StartsWith("application/json", StringComparison.Ordinal) == true, "an error body that is not application/json", context);
                var text = response.Json?["exceptionMessage"] is JsonValue message && message.TryGetValue<string>(out var value) ? value : null;
                Check(text is not null, "an error body without a string exceptionMessage", context);
                Check(response.Json?["message"] is JsonValue botocore && botocore.TryGetValue<string>(out var same) && same == text, "an error body whose message (what botocore reads) differs from exceptionMessage", context);
            }

            if (operation is not null)
            {
                Check(operation.Errors.Contains(errorType!), $"{errorType}, which the model does not list for {operation.Name}", context);
                Check(model.ErrorStatus[errorType!] == response.Status, $"{errorType} with status {response.Status}, not the model's {model.ErrorStatus[errorType!]}", context);
            }
            else if (model.Operations.Any(o => PathMatches(o, rawPath)))
            {
                Check(errorType == "MethodNotAllowedException" && response.Status == 405, "a wrong method not answered 405 MethodNotAllowedException", context);
            }
            else
            {
                Check(errorType == "UnknownOperationException" && response.Status == 404, "an unknown path not answered 404 UnknownOperationException", context);
            }

            return;
        }

        Check(operation is not null, "a success for a request that names no operation", context);
        Check(response.Status == operation!.SuccessCode, $"success status {response.Status}, not the model's {operation.SuccessCode}", context);
        if (!head)
        {
            if (operation.SuccessCode == 204)
            {
                Check(response.Body.Length == 0, "a 204 with a body", context);
            }
            else
            {
                Check(response.Json is not null, "a 200 whose body is not a JSON object", context);
            }
        }
    }

    private static bool PathMatches(ModelOperation operation, string rawPath) =>
        operation.Label is null
            ? rawPath == operation.RequestUri
            : rawPath.StartsWith(operation.PathPrefix, StringComparison.Ordinal) && rawPath.Length > operation.PathPrefix.Length
              && !rawPath[operation.PathPrefix.Length..].Contains('/', StringComparison.Ordinal);

    private static void Check(bool condition, string problem, string context)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException($"{problem}\n{context}");
        }
    }
}
