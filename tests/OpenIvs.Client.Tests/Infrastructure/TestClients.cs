using OpenIvs.Client.Runtime;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Client.Tests.Infrastructure;

/// <summary>Clients over a scripted <see cref="HttpMessageHandler"/>, with fixed jitter and recorded (not waited) retry delays.</summary>
internal static class TestClients
{
    public static readonly SigV4Credentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    public static IvsClient Create(
        HttpMessageHandler handler, Action<IvsClientOptions>? configure = null, List<TimeSpan>? delays = null, double jitter = 0.5, AwsEnvironment? environment = null)
    {
        var options = new IvsClientOptions
        {
            Region = "us-west-2",
            Endpoint = new Uri("http://127.0.0.1:1"),
            Credentials = Credentials,
            HttpClient = new HttpClient(handler),
        };
        configure?.Invoke(options);
        return Create(options, delays, jitter, environment);
    }

    public static IvsClient Create(IvsClientOptions options, List<TimeSpan>? delays = null, double jitter = 0.5, AwsEnvironment? environment = null) =>
        new(options, environment ?? new AwsEnvironment(_ => null, Path.GetTempPath()), null, null, () => jitter, (delay, token) =>
        {
            token.ThrowIfCancellationRequested();
            delays?.Add(delay);
            return Task.CompletedTask;
        });
}

/// <summary>Answers each request with the next scripted response or exception, and keeps what was sent.</summary>
internal sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _script = new();

    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public ScriptedHandler Respond(int status, string? body = "{}", string? errorType = null, string? requestId = "req-1")
    {
        _script.Enqueue((_, _) => Task.FromResult(Response(status, body, errorType, requestId)));
        return this;
    }

    public ScriptedHandler Throw(Exception exception)
    {
        _script.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    public ScriptedHandler Then(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer)
    {
        _script.Enqueue(answer);
        return this;
    }

    public static HttpResponseMessage Response(int status, string? body = "{}", string? errorType = null, string? requestId = "req-1")
    {
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)status);
        if (body is not null)
        {
            response.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        if (errorType is not null)
        {
            response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", errorType);
        }

        if (requestId is not null)
        {
            response.Headers.TryAddWithoutValidation("x-amzn-RequestId", requestId);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add((request, request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken)));
        if (_script.Count == 0)
        {
            throw new InvalidOperationException($"Unexpected request {request.Method} {request.RequestUri}");
        }

        return await _script.Dequeue()(request, cancellationToken);
    }
}
