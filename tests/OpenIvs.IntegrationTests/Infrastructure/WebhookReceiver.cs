using System.Collections.Concurrent;
using System.Net;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>
/// A webhook endpoint on a loopback port for servers under test: records every event it answers 200 to, in arrival
/// order. While <see cref="Accepting"/> is false it answers 503 and records nothing; <see cref="BeforeAnswering"/>
/// runs with each accepted request's number (from 1) before it is recorded and answered.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<JsonNode> _delivered = new();
    private int _refused;
    private int _requests;

    public WebhookReceiver(bool accepting = true)
    {
        Accepting = accepting;
        Url = $"http://127.0.0.1:{ServerProcess.FreePort()}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public volatile bool Accepting;

    public Action<int>? BeforeAnswering { get; set; }

    public int Refused => Volatile.Read(ref _refused);

    public int Count => _delivered.Count;

    public IReadOnlyList<JsonNode> Delivered => [.. _delivered];

    /// <summary>The event ids received, in arrival order (a re-sent event appears twice).</summary>
    public List<string> Ids => [.. _delivered.Select(e => (string)e["id"]!)];

    /// <summary>The IVS Stream State Change event names received for a stream, in order.</summary>
    public List<string> StateChanges(string streamId) =>
        [.. _delivered.Where(e => (string?)e["detail"]?["stream_id"] == streamId && (string?)e["detail-type"] == "IVS Stream State Change")
            .Select(e => (string)e["detail"]!["event_name"]!)];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            JsonNode json;
            using (var body = new StreamReader(context.Request.InputStream))
            {
                json = JsonNode.Parse(await body.ReadToEndAsync())!;
            }

            if (Accepting)
            {
                BeforeAnswering?.Invoke(++_requests);
                _delivered.Enqueue(json);
                context.Response.StatusCode = 200;
            }
            else
            {
                Interlocked.Increment(ref _refused);
                context.Response.StatusCode = 503;
            }

            try
            {
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The sender is gone (killed while waiting for this answer).
            }
        }
    }

    public void Dispose() => _listener.Close();
}
