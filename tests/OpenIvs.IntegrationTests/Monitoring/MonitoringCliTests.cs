namespace OpenIvs.IntegrationTests.Monitoring;

/// <summary><c>openivs serve --log-format json --metrics-listen</c>: the options as the CLI binds them, the real JSON console formatter.</summary>
public class MonitoringCliTests
{
    [Fact]
    public async Task JsonLogLinesCarryTheRequestIdAndMetricsListenServesMetrics()
    {
        var metricsPort = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(new ServerOptions
        {
            LogLevel = "Information",
            ExtraArguments = ["--log-format", "json", "--metrics-listen", $"127.0.0.1:{metricsPort}"],
        });

        var response = await RawHttp.SendAsync(server.Endpoint, RawRequest.Json("POST", "/ListChannels", "{}"));
        Assert.Equal(200, response.Status);
        var requestId = response.Header("x-amzn-RequestId")!;

        // Every stdout line is one JSON object; the API call's line has the request id in its scope.
        var line = await WaitForAsync(
            () => server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => l.Contains(requestId, StringComparison.Ordinal)),
            "the request's log line");
        foreach (var each in server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(JsonNode.Parse(each) is JsonObject, $"not a JSON object: {each}");
        }

        var json = JsonNode.Parse(line)!;
        Assert.Equal("ListChannels", (string?)json["State"]!["Operation"]);
        var scope = json["Scopes"]!.AsArray().Single(s => s?["Operation"] is not null)!;
        Assert.Equal(requestId, (string?)scope["RequestId"]);
        Assert.Equal("ListChannels", (string?)scope["Operation"]);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Contains("openivs_api_requests_total{otel_scope_name=\"OpenIvs.Api\",operation=\"ListChannels\",status=\"200\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCredentials.SecretAccessKey, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadMonitoringOptionsStopTheServerWithAClearMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new ServerOptions
        {
            ExtraArguments = ["--log-format", "xml", "--otlp-endpoint", "ftp://collector", "--metrics-listen", "nowhere"],
        }));

        Assert.Contains("LogFormat 'xml' must be text or json", error.Message, StringComparison.Ordinal);
        Assert.Contains("OtlpEndpoint 'ftp://collector'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MetricsListen 'nowhere' is not HOST:PORT", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> WaitForAsync(Func<string?> probe, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
