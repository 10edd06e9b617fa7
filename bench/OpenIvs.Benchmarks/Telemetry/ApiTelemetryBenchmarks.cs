using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OpenIvs.Benchmarks.Telemetry;

/// <summary>
/// What monitoring adds to one API call on the request thread (bench/monitoring/run.py measures the whole server):
/// the span and the counters of <see cref="ApiTelemetry"/> (StartRequest + RequestEnded) with nothing on, with
/// metrics, with tracing on and the request not sampled, and with the request traced (exported over OTLP to a
/// port nobody listens on: the export runs on the exporter's thread, not here); and the JSON-log scope of the
/// request. Real OpenTelemetry providers, as the server builds them.
/// </summary>
[MemoryDiagnoser]
public class ApiTelemetryBenchmarks
{
    private ServiceProvider _off = null!;
    private ServiceProvider _metrics = null!;
    private ServiceProvider _unsampled = null!;
    private ServiceProvider _traced = null!;
    private ApiTelemetry _offTelemetry = null!;
    private ApiTelemetry _metricsTelemetry = null!;
    private ApiTelemetry _unsampledTelemetry = null!;
    private ApiTelemetry _tracedTelemetry = null!;
    private ILogger _jsonLogger = null!;
    private ILoggerFactory _loggers = null!;
    private HttpRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _request = new DefaultHttpContext().Request;
        (_off, _offTelemetry) = Build(_ => { });
        (_metrics, _metricsTelemetry) = Build(m => m.MetricsOnHttp = true);
        (_unsampled, _unsampledTelemetry) = Build(m => { m.MetricsOnHttp = true; m.OtlpEndpoint = "http://127.0.0.1:9"; m.TraceSampleRatio = 0; });
        (_traced, _tracedTelemetry) = Build(m => { m.MetricsOnHttp = true; m.OtlpEndpoint = "http://127.0.0.1:9"; m.TraceSampleRatio = 1; });
        _loggers = LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Warning).AddOpenIvsConsole(new MonitoringOptions { LogFormat = "json" }));
        _jsonLogger = _loggers.CreateLogger("bench");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var provider in new[] { _off, _metrics, _unsampled, _traced })
        {
            provider.Dispose();
        }

        _loggers.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Off() => Call(_offTelemetry);

    [Benchmark]
    public void Metrics() => Call(_metricsTelemetry);

    [Benchmark]
    public void TracingOnNotSampled() => Call(_unsampledTelemetry);

    [Benchmark]
    public void Traced() => Call(_tracedTelemetry);

    [Benchmark]
    public void JsonLogScope()
    {
        using var scope = _jsonLogger.BeginScope(new RequestScope("6a2f41a3-c54c-4b3a-8f6d-6b1b9f2c0e11", "GetChannel"));
    }

    private void Call(ApiTelemetry telemetry)
    {
        var activity = telemetry.StartRequest(_request, "GetChannel", "6a2f41a3-c54c-4b3a-8f6d-6b1b9f2c0e11");
        telemetry.RequestEnded(activity, "GetChannel", 200, null, TimeSpan.FromTicks(1234));
    }

    private static (ServiceProvider, ApiTelemetry) Build(Action<MonitoringOptions> monitoring)
    {
        var options = new OpenIvsOptions();
        monitoring(options.Monitoring);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(options);
        services.AddOpenIvsTelemetry(options.Monitoring);
        var provider = services.BuildServiceProvider();
        _ = provider.GetService<MeterProvider>();
        _ = provider.GetService<TracerProvider>();
        return (provider, provider.GetRequiredService<ApiTelemetry>());
    }
}
