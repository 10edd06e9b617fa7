using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;

namespace OpenIvs.Server.Tests.Telemetry;

/// <summary>
/// /metrics (OpenTelemetry's Prometheus exporter) and OTLP traces against a real in-process server, a real
/// ffmpeg publisher and a real OTLP/HTTP receiver on a socket. Real time: bitrates are measured over seconds of
/// media, and the span exporter sends on its own timer; exports and log lines are waited for as they arrive (Changes).
/// </summary>
[Collection(MonitoredServers.Name)]
public class MonitoringTests
{
    [Fact]
    public async Task MetricsListenerShowsPerChannelIngestFiguresMovingDuringAPublish()
    {
        var metricsPort = TestServer.FreePort();
        await using var server = await TestServer.StartAsync(o => o.Monitoring.MetricsListen = $"127.0.0.1:{metricsPort}");
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        var (arn, key) = await CreateChannelAsync(server, """{"insecureIngest":true}""");
        var channelId = arn[(arn.LastIndexOf('/') + 1)..];
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 10);

        await using var publisher = Ffmpeg.Publish(clip, RtmpUrl(server, key));
        var first = await Eventually.ReturnsAsync(
            () => scraper.GetStringAsync("/metrics"),
            text => Value(text, "openivs_ingest_video_bitrate", channelId) > 0 && Value(text, "openivs_ingest_keyframe_interval_seconds", channelId) > 0,
            "the channel's ingest figures in /metrics");
        var moved = await Eventually.ReturnsAsync(
            () => scraper.GetStringAsync("/metrics"),
            text => Value(text, "openivs_ingest_video_bitrate", channelId) != Value(first, "openivs_ingest_video_bitrate", channelId),
            "the video bitrate to move", TimeSpan.FromSeconds(30));

        Assert.InRange(Value(moved, "openivs_ingest_video_bitrate", channelId)!.Value, 200_000, 3_000_000);
        Assert.InRange(Value(moved, "openivs_ingest_audio_bitrate", channelId)!.Value, 50_000, 300_000);
        Assert.InRange(Value(moved, "openivs_ingest_framerate", channelId)!.Value, 20, 40);
        Assert.InRange(Value(moved, "openivs_ingest_keyframe_interval_seconds", channelId)!.Value, 1.9, 2.1);
        Assert.Equal(0, Value(moved, "openivs_concurrent_views", channelId));
        Assert.True(Value(moved, "openivs_live_streams") >= 1);
        Assert.Contains("openivs_ingest_publishes_total{otel_scope_name=\"OpenIvs.Ingest\",outcome=\"accepted\"} 1", moved, StringComparison.Ordinal);
        Assert.Contains("openivs_api_requests_total{otel_scope_name=\"OpenIvs.Api\",operation=\"CreateChannel\",status=\"200\"} 1", moved, StringComparison.Ordinal);
        Assert.Contains("openivs_api_request_duration_seconds_bucket{otel_scope_name=\"OpenIvs.Api\",operation=\"CreateChannel\",le=", moved, StringComparison.Ordinal);

        // The metrics listener serves /metrics and nothing else; the public listener has no /metrics unless asked.
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.PostAsync("/ListChannels", new StringContent("{}"))).StatusCode);
        using var onPublic = await server.Http.GetAsync("/metrics");
        Assert.DoesNotContain("openivs_", await onPublic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsOnHttpCountsApiRequestsAndSigV4FailuresByReason()
    {
        await using var server = await TestServer.StartAsync(o => o.Monitoring.MetricsOnHttp = true);
        await server.CallAsync("ListChannels").OkAsync();
        using var wrongSecret = await server.CallAsync("ListChannels", "{}", new SigV4Credentials(server.Root.AccessKeyId, "not-the-secret"));
        using var unknownKey = await server.CallAsync("ListChannels", "{}", new SigV4Credentials("AKIANOTAKEY000000000", "x"));
        using var unsigned = await server.Http.PostAsync("/ListChannels", new StringContent("{}"));

        var text = await server.Http.GetStringAsync("/metrics");

        Assert.Contains("operation=\"ListChannels\",status=\"200\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("operation=\"ListChannels\",status=\"403\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("openivs_api_sigv4_failures_total{otel_scope_name=\"OpenIvs.Api\",reason=\"signature_mismatch\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("openivs_api_sigv4_failures_total{otel_scope_name=\"OpenIvs.Api\",reason=\"unknown_key\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("openivs_api_sigv4_failures_total{otel_scope_name=\"OpenIvs.Api\",reason=\"missing_authentication\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtlpCollectorReceivesTheApiSpanWithTheRequestIdAndTheCallersTrace()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var server = await StartTracedAsync(collector, sampleRatio: 1);
        var traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var response = await CallWithTraceParentAsync(server, $"00-{traceId}-00f067aa0ba902b7-01");
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();

        // The batch exporter sends every few seconds: wait for the span, with a generous bound.
        var span = (await collector.Changes.UntilAsync(
            () => collector.Spans().FirstOrDefault(s => s.Attributes.GetValueOrDefault("aws.request_id") == requestId),
            s => s is not null, "the API span at the OTLP receiver", TimeSpan.FromSeconds(60)))!;
        Assert.Equal("ListChannels", span.Name);
        Assert.Equal("ListChannels", span.Attributes["rpc.method"]);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal("00f067aa0ba902b7", span.ParentSpanId);

        // Without a traceparent the call starts a trace of its own: a root span, not a child of anything unexported.
        using var rootResponse = await server.CallAsync("ListChannels");
        var rootId = rootResponse.Headers.GetValues("x-amzn-RequestId").Single();
        var root = (await collector.Changes.UntilAsync(
            () => collector.Spans().FirstOrDefault(s => s.Attributes.GetValueOrDefault("aws.request_id") == rootId),
            s => s is not null, "the second API span", TimeSpan.FromSeconds(60)))!;
        Assert.Equal(string.Empty, root.ParentSpanId);
        Assert.NotEqual(traceId, root.TraceId);
    }

    [Fact]
    public async Task UnsampledRequestsStartNoTraceButACallersSampledTraceIsFollowed()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var server = await StartTracedAsync(collector, sampleRatio: 0);
        using var unsampled = await server.CallAsync("ListChannels");
        var unsampledId = unsampled.Headers.GetValues("x-amzn-RequestId").Single();
        using var followed = await CallWithTraceParentAsync(server, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var followedId = followed.Headers.GetValues("x-amzn-RequestId").Single();

        await collector.Changes.UntilAsync(
            () => collector.Spans().Any(s => s.Attributes.GetValueOrDefault("aws.request_id") == followedId), "the caller's sampled trace", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(collector.Spans(), s => s.Attributes.GetValueOrDefault("aws.request_id") == unsampledId);
    }

    [Fact]
    public async Task AnUnsampledRequestRunsInNoActivityAndASampledOneInItsExportedSpan()
    {
        // Log lines carry the current Activity's TraceId: none inside an unsampled request means no Activity was
        // created for it, by the API's spans nor by ASP.NET Core's hosting (which used to make one per request).
        await using var collector = await OtlpReceiver.StartAsync();
        var unsampledLogs = new ScopeCapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(o => { o.Monitoring.OtlpEndpoint = collector.Endpoint.ToString(); o.Monitoring.TraceSampleRatio = 0; }, logs: unsampledLogs))
        {
            using var response = await server.CallAsync("ListChannels");
            var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
            var line = await Eventually.ReturnsAsync(
                () => Task.FromResult(unsampledLogs.Lines.FirstOrDefault(l => l.Contains(requestId + " ListChannels", StringComparison.Ordinal))),
                l => l is not null, "the request's log line");
            Assert.DoesNotContain("TraceId=", line, StringComparison.Ordinal);
        }

        var sampledLogs = new ScopeCapturingLoggerProvider();
        await using (var server = await TestServer.StartAsync(o => { o.Monitoring.OtlpEndpoint = collector.Endpoint.ToString(); o.Monitoring.TraceSampleRatio = 1; }, logs: sampledLogs))
        {
            using var response = await server.CallAsync("ListChannels");
            var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
            var span = (await Eventually.ReturnsAsync(
                () => Task.FromResult(collector.Spans().FirstOrDefault(s => s.Attributes.GetValueOrDefault("aws.request_id") == requestId)),
                s => s is not null, "the API span at the OTLP receiver", TimeSpan.FromSeconds(60)))!;
            var line = sampledLogs.Lines.Single(l => l.Contains(requestId + " ListChannels", StringComparison.Ordinal));
            Assert.Contains("TraceId=" + span.TraceId, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NoSecretInAnyMetricLabelSpanAttributeOrLogField()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        var logs = new ScopeCapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(
            o =>
            {
                o.Monitoring.MetricsOnHttp = true;
                o.Monitoring.OtlpEndpoint = collector.Endpoint.ToString();
                o.Monitoring.TraceSampleRatio = 1;
                o.Monitoring.LogFormat = "json";
            },
            logs: logs);
        var (arn, key) = await CreateChannelAsync(server, """{"insecureIngest":true,"authorized":true}""");
        var channelId = arn[(arn.LastIndexOf('/') + 1)..];
        var clip = await Ffmpeg.ClipAsync(640, 360, 30, 800, 10);
        const string token = "eyJhbGciOiJFUzM4NCJ9.eyJzZWNyZXQtcGxheWJhY2stdG9rZW4iOnRydWV9.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw";
        string metrics;
        await using (var publisher = Ffmpeg.Publish(clip, RtmpUrl(server, key)))
        {
            await WaitUntilStartedAsync(server, arn);
            await using var wrongKey = Ffmpeg.Publish(clip, RtmpUrl(server, key[..^4] + "WXYZ"), loop: false);
            await wrongKey.WaitForExitAsync(TimeSpan.FromSeconds(30));

            // A playback request with a token (a made-up one: it must not be recorded either way).
            using var playback = await server.Http.GetAsync($"/api/video/v1/{server.Options.Region}.{server.Options.AccountId}.channel.{channelId}.m3u8?token={token}");
            using var badSignature = await server.CallAsync("ListChannels", "{}", new SigV4Credentials(server.Root.AccessKeyId, "wrong-secret-wrong-secret"));
            await server.CallAsync("ListStreamKeys", $$"""{"channelArn":"{{arn}}"}""").OkAsync();
            metrics = await server.Http.GetStringAsync("/metrics");
        }

        // The stream's end is logged inside a scope naming the channel.
        await logs.Changes.UntilAsync(() => logs.All.Contains("ChannelId=" + channelId, StringComparison.Ordinal), "a log line scoped to the channel");
        await collector.Changes.UntilAsync(
            () => collector.Spans().Any(s => s.Name == "publish") && collector.Spans().Any(s => s.Name.StartsWith("playback", StringComparison.Ordinal)),
            "publish and playback spans", TimeSpan.FromSeconds(60));

        var secrets = new[] { key, server.Root.SecretAccessKey, token, "wrong-secret-wrong-secret" };
        var spans = string.Join('\n', collector.Bodies.Select(Encoding.UTF8.GetString));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, metrics, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, spans, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs.All, StringComparison.Ordinal);
        }

        // The figures are there: this test would prove nothing if nothing was recorded.
        Assert.Contains($"channel_id=\"{channelId}\"", metrics, StringComparison.Ordinal);
        Assert.Contains("openivs_playback_requests_total{otel_scope_name=\"OpenIvs.Playback\",kind=\"multivariant\"", metrics, StringComparison.Ordinal);
        Assert.Contains("openivs_playback_sent_bytes_total{otel_scope_name=\"OpenIvs.Playback\",kind=\"multivariant\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("openivs_playback_request_duration_seconds_bucket{otel_scope_name=\"OpenIvs.Playback\",kind=\"multivariant\"", metrics, StringComparison.Ordinal);
        Assert.Contains(collector.Spans(), s => s.Name == "publish" && s.Attributes.GetValueOrDefault("openivs.publish.outcome") == "unknown_stream_key");
        Assert.Contains(collector.Spans(), s => s.Name == "publish" && s.Attributes.GetValueOrDefault("openivs.channel_id") == channelId);
        Assert.Contains(collector.Spans(), s => s.Name == "playback multivariant" && s.Attributes.GetValueOrDefault("openivs.channel_id") == channelId);
        Assert.Contains("RequestId=", logs.All, StringComparison.Ordinal);
    }

    private static Task<TestServer> StartTracedAsync(OtlpReceiver collector, double sampleRatio) =>
        TestServer.StartAsync(o =>
        {
            o.Monitoring.OtlpEndpoint = collector.Endpoint.ToString();
            o.Monitoring.TraceSampleRatio = sampleRatio;
        });

    /// <summary>A signed ListChannels carrying a W3C <c>traceparent</c>, as a traced caller sends it.</summary>
    private static async Task<HttpResponseMessage> CallWithTraceParentAsync(TestServer server, string traceParent)
    {
        using var request = server.Sign("POST", "/ListChannels", "{}", server.Root, server.Time.GetUtcNow());
        request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        return await server.Http.SendAsync(request);
    }

    /// <summary>The value of a metric's sample (with the channel label when given), or null when absent.</summary>
    private static double? Value(string exposition, string metric, string? channelId = null)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal)
                && (channelId is null || line.Contains($"channel_id=\"{channelId}\"", StringComparison.Ordinal)))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Keeps every log line with its structured values and the fields of its scopes.</summary>
    private sealed class ScopeCapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<string> _lines = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public string All => string.Join('\n', _lines);

        /// <summary>Notified at each line.</summary>
        public Changes Changes { get; } = new();
        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = new StringBuilder($"{logLevel} {category} {formatter(state, exception)} {Pairs(state)}");
                provider._scopes.ForEachScope((scope, builder) => builder.Append(" scope[").Append(Pairs(scope)).Append(']'), line);
                provider._lines.Enqueue(line.Append(' ').Append(exception).ToString());
                provider.Changes.Notify();
            }

            private static string Pairs(object? state) =>
                state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : $"{state}";
        }
    }
}
