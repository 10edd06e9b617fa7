using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// Wires monitoring into the composition root (docs/monitoring.md): each component's Meter and
/// ActivitySource, the OpenTelemetry Prometheus exporter at <c>/metrics</c>, the OTLP trace exporter, and
/// the console log format. Nothing is registered with OpenTelemetry unless it is asked for.
/// </summary>
public static class OpenIvsTelemetry
{
    public const string MetricsPath = "/metrics";

    public static void AddOpenIvsTelemetry(this IServiceCollection services, MonitoringOptions options)
    {
        services.AddMetrics();
        services.AddSingleton<ServerSpans>();
        services.AddSingleton<ApiTelemetry>();
        services.AddSingleton<IngestTelemetry>();
        services.AddSingleton<PlaybackTelemetry>();
        if (!options.MetricsEnabled && !options.TracingEnabled)
        {
            return;
        }

        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("openivs", serviceVersion: typeof(OpenIvsTelemetry).Assembly.GetName().Version?.ToString()));
        if (options.MetricsEnabled)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter("OpenIvs.*") // every room's Meter: OpenIvs.Api, OpenIvs.Recording, OpenIvs.Transcoding...
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        }

        if (options.TracesUri is { } traces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(ApiTelemetry.Name, IngestTelemetry.Name, PlaybackTelemetry.Name)
                .SetSampler(new AlwaysOnSampler()) // ServerSpans decides, before any Activity exists
                .AddOtlpExporter(otlp =>
                {
                    otlp.Endpoint = traces;
                    otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                }));
        }
    }

    /// <summary>
    /// Serves <c>/metrics</c> on the metrics listener (and on the HTTP listener when asked); the metrics
    /// listener answers nothing else, so exposing it never exposes the API.
    /// </summary>
    public static void UseOpenIvsMetrics(this WebApplication app, MonitoringOptions options)
    {
        if (!options.MetricsEnabled)
        {
            return;
        }

        var metricsPort = options.MetricsListen.Length > 0 && Server.Resources.ListenAddress.TryParse(options.MetricsListen, out var endPoint) ? endPoint.Port : -1;
        var onHttp = options.MetricsOnHttp;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == MetricsPath && (onHttp || context.Connection.LocalPort == metricsPort));
        if (metricsPort > 0)
        {
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort != metricsPort)
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }
    }

    /// <summary>The console log format: readable single lines, or JSON lines with scopes as fields.</summary>
    public static ILoggingBuilder AddOpenIvsConsole(this ILoggingBuilder logging, MonitoringOptions options)
    {
        if (options.JsonLogs)
        {
            return logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        return logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
    }
}
