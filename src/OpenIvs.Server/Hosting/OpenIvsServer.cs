using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Hosting;
using OpenIvs.Server.Api;
using OpenIvs.Server.Api.Faults;
using OpenIvs.Server.Api.Service;
using OpenIvs.Server.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Events;
using OpenIvs.Server.Ingest;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Server.Recording;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Sqlite;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Streams.Lifecycle;
using OpenIvs.Server.Telemetry;

namespace OpenIvs.Server.Hosting;

/// <summary>
/// Composes and runs the service: opens and loads the state, then starts Kestrel with the API, RTMP(S)
/// ingest and HLS playback. <c>GET /health</c> answers 200 once everything is loaded and listening.
/// </summary>
public sealed class OpenIvsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IStateStore _store;

    private OpenIvsServer(WebApplication app, IStateStore store, RootCredentials credentials)
    {
        _app = app;
        _store = store;
        Credentials = credentials;
    }

    public RootCredentials Credentials { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The address the HTTP listener is bound to (useful with port 0 in tests).</summary>
    public Uri HttpAddress => new(_app.Urls.First());

    public static async Task<OpenIvsServer> CreateAsync(
        OpenIvsOptions options, Action<ILoggingBuilder>? configureLogging = null, Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        DataDirectory.Prepare(options.DataDirectory);
        var credentials = RootCredentials.Resolve(options.DataDirectory);

        var node = new NodeIdentity(options.Cluster.NodeId); // the one source of the node's id
        IStateStore durable = options.Storage.UsesPostgres
            ? new Storage.Postgres.PostgresStateStore(options.Storage.Postgres) { Node = node }
            : new SqliteStateStore(Path.Combine(options.DataDirectory, "openivs.db"));
        await durable.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var secrets = SecretBox.Open(options.DataDirectory);
        var tables = new ResourceTables();
        var streamKeySealing = new StreamKeySealing(secrets);
        tables.StreamKeys.Codec = streamKeySealing;
        var iamTables = new IamTables();
        var streamTables = new StreamTables();
        var store = new DocumentStore(durable);
        await store.LoadAsync(tables.All.Concat(iamTables.All).Concat(streamTables.All), cancellationToken).ConfigureAwait(false);
        if (streamKeySealing.PlainLoaded > 0)
        {
            await SealStreamKeysAsync(store, tables, cancellationToken).ConfigureAwait(false);
        }

        var tokenKey = await durable.GetOrAddSettingAsync(
            "pagination-token-key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken).ConfigureAwait(false);

        var endpointNames = options.CreateEndpointNames();
        var certificate = RtmpsCertificate.Load(
            options.DataDirectory, NullIfEmpty(options.RtmpsCertificate), NullIfEmpty(options.RtmpsCertificateKey), endpointNames.IngestHostName);

        // --tls-certificate: HTTPS, and RTMPS unless it has a certificate of its own; read again when the file changes.
        var tlsCertificate = options.Tls.Certificate.Length > 0
            ? TlsCertificateFile.Open(options.Tls.Certificate, NullIfEmpty(options.Tls.CertificateKey), TimeProvider.System)
            : null;
        Func<System.Security.Cryptography.X509Certificates.X509Certificate2> rtmpsCertificate =
            tlsCertificate is not null && options.RtmpsCertificate.Length == 0 ? () => tlsCertificate.Current : () => certificate;
        Func<System.Security.Cryptography.X509Certificates.X509Certificate2> httpsCertificate =
            tlsCertificate is not null ? () => tlsCertificate.Current : () => certificate;

        // No appsettings files and no file watching: settings come from OpenIvsOptions, and a watcher on the
        // working directory costs CPU whenever anything else writes there.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None); // see Telemetry/ServerSpans
        if (configureLogging is null)
        {
            builder.Logging.AddOpenIvsConsole(options.Monitoring);
        }
        else
        {
            configureLogging(builder.Logging);
        }

        // Run socket continuations on the I/O threads instead of handing each read to the thread pool: with
        // many live streams the hand-offs (context switches) cost more CPU than the media work itself
        // (measured with bench/ingest). Nothing on these paths blocks: durable writes leave the I/O thread.
        // Also read straight into a buffer instead of first waiting with a zero-byte read: one system call per
        // read instead of two, for 4 KiB held per idle connection.
        builder.WebHost.UseSockets(sockets =>
        {
            sockets.UnsafePreferInlineScheduling = true;
            sockets.WaitForDataBeforeAllocatingBuffer = false;
        });
        var rejections = new KestrelRejections();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64L * 1024 * 1024;
            kestrel.Listen(options.HttpEndPoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(rejections.Wrap);
            });
            kestrel.Listen(options.RtmpEndPoint, listen => listen.UseConnectionHandler<RtmpConnectionHandler>());
            kestrel.Listen(options.RtmpsEndPoint, listen =>
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => rtmpsCertificate() });
                listen.UseConnectionHandler<RtmpConnectionHandler>();
            });
            if (options.Tls.Enabled)
            {
                kestrel.Listen(ParseEndPoint(options.Tls.Https), listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => httpsCertificate() });
                    listen.Use(rejections.Wrap); // inside TLS: it rewrites the plaintext responses
                });
            }

            if (options.Monitoring.MetricsListen.Length > 0)
            {
                kestrel.Listen(ParseEndPoint(options.Monitoring.MetricsListen), listen => listen.Protocols = HttpProtocols.Http1);
            }
        });

        var services = builder.Services;
        // Each room reads its own options type; the whole OpenIvsOptions stays here.
        services.AddSingleton(options.Account);
        services.AddSingleton(new AuthenticationMode(options.Authentication));
        services.AddSingleton(options.Quotas);
        services.AddSingleton(options.Ingest);
        services.AddSingleton(options.Playback);
        services.AddSingleton(options.Events);
        services.AddSingleton(options.Monitoring);
        services.AddSingleton(options.Console);
        services.AddSingleton(options.Recording);
        services.AddSingleton(options.Transcoding);
        services.AddSingleton(new ApiOptions
        {
            EnableFaultInjection = options.EnableFaultInjection,
            EnableRateLimits = options.EnableRateLimits,
            EventStreamKeepAlive = options.Events.KeepAlive,
        });
        services.AddSingleton(credentials);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(durable);
        services.AddSingleton(store);
        services.AddSingleton(tables);
        services.AddSingleton(new ResourceCatalog(tables, options.Region, options.AccountId));
        services.AddSingleton(endpointNames);
        // One idle timeout: a silent RTMP connection is dropped after the same time as a stream without media is ended.
        services.AddSingleton(new RtmpSessionOptions { Limits = new RtmpLimits { IdleTimeout = options.Ingest.IdleTimeout } });
        services.AddSingleton<RtmpConnectionHandler>();
        services.AddSingleton(sp => new Ingest.Srt.SrtListener(
            options.SrtEndPoint, options.Ingest, sp.GetRequiredService<IStreamHub>(), tables, sp.GetRequiredService<ILogger<Ingest.Srt.SrtListener>>()));
        services.AddSingleton(new PaginationTokens(Convert.FromBase64String(tokenKey)));
        services.AddSingleton(new ApiLimits());
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<Api.RateLimits.ApiRateLimits>();
        services.AddSingleton(streamTables);
        AddEvents(services, options, durable.Outbox); // before the session recorder: the relay's cursors exist before any event
        services.AddSingleton<StreamLifecycle>();
        services.AddSingleton<LiveStreamHub>();
        services.AddSingleton<IStreamHub>(sp => sp.GetRequiredService<LiveStreamHub>());
        services.AddSingleton<LiveStreams>();
        // One node: the hub answers alone, as before. Several: streams held elsewhere are read and acted on through their holder.
        services.AddSingleton<ILiveStreams>(sp => sp.GetRequiredService<IStreamLocator>() is LocalStreamLocator
            ? sp.GetRequiredService<LiveStreams>()
            : ActivatorUtilities.CreateInstance<Cluster.ClusterLiveStreams>(sp));
        services.AddSingleton<Cluster.NodeClient>();
        services.AddSingleton<Cluster.NodeEndpoints>();
        services.AddSingleton<RelayedViewerCounts>();
        AddCluster(services, options, durable, node); // before the session recorder: the node stops after it (and frees the slots)
        services.AddSingleton(sp => new NodeSignature(secrets.DeriveKey("cluster-nodes"), node.Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SessionRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<SessionRecorder>());
        services.AddSingleton<StreamMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<StreamMonitor>());
        services.AddHostedService<NativeHeapTrimming>();
        services.AddSingleton(options.Geo);
        services.AddSingleton<Playback.ViewerCountries>();
        services.AddSingleton<Playback.PlaybackAuthorizer>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Playback.HlsPackager>(sp, Path.Combine(options.DataDirectory, "hls")));
        services.AddHostedService(sp => sp.GetRequiredService<Playback.HlsPackager>());

        // After the hub's consumers: SRT callers are taken once they run (as Kestrel's RTMP listeners start last).
        services.AddHostedService(sp => sp.GetRequiredService<Ingest.Srt.SrtListener>());
        services.AddSingleton<Playback.ViewerLimit>();
        services.AddSingleton<Playback.HlsRelay>();
        services.AddSingleton<Playback.HlsOrigin>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Transcoding.Transcoder>(sp, options.Playback.Enabled));
        services.AddHostedService(sp => sp.GetRequiredService<Transcoding.Transcoder>());
        var localRecordings = new LocalRecordingDestinations(Path.Combine(options.DataDirectory, "s3"));
        services.AddSingleton(localRecordings);
        services.AddSingleton<IRecordingDestinations>(options.Recording.UsesS3Service ? S3RecordingDestinations.Create(options.Recording, options.Region) : localRecordings);
        services.AddSingleton(new RecordingSpool(Path.Combine(options.DataDirectory, "recordings"), options.Recording.SpoolLimit));
        services.AddSingleton<Recorder>();
        services.AddHostedService(sp => sp.GetRequiredService<Recorder>());
        services.AddHostedService<RecordingUploader>();
        services.AddSingleton<RecordingObjectsEndpoint>();
        services.AddSingleton<RecordingListEndpoint>();
        services.AddSingleton(iamTables);
        services.AddSingleton(secrets);
        services.AddSingleton<IamDirectory>();
        services.AddSingleton<IamAdministration>();
        if (options.Authentication == "none")
        {
            services.AddSingleton<AllowAllAccess>();
            services.AddSingleton<IRequestAuthenticator>(sp => sp.GetRequiredService<AllowAllAccess>());
            services.AddSingleton<IRequestAuthorizer>(sp => sp.GetRequiredService<AllowAllAccess>());
        }
        else
        {
            services.AddSingleton<SigV4Authenticator>();
            if (options.Console.Enabled)
            {
                // Console calls authenticate with the session cookie; everything else with SigV4, unchanged.
                services.AddSingleton<WebConsole.ConsoleSessions>();
                services.AddSingleton<IRequestAuthenticator>(sp => new WebConsole.ConsoleAuthenticator(
                    sp.GetRequiredService<SigV4Authenticator>(), sp.GetRequiredService<WebConsole.ConsoleSessions>()));
            }
            else
            {
                services.AddSingleton<IRequestAuthenticator>(sp => sp.GetRequiredService<SigV4Authenticator>());
            }
            services.AddSingleton<IRequestAuthorizer, PolicyAuthorizer>();
            services.AddHostedService<IamWatcher>();
        }

        services.AddSingleton<IvsService>();
        services.AddSingleton<IIvsService>(sp => sp.GetRequiredService<IvsService>());
        services.AddSingleton<IvsApiEndpoint>();
        services.AddSingleton<Playback.WatchPage>();
        services.AddSingleton<WebConsole.ConsoleEndpoint>();
        services.AddOpenIvsTelemetry(options.Monitoring);
        // Each room's own instruments, counted only when metrics are on.
        var metricsEnabled = options.Monitoring.MetricsEnabled;
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EventsTelemetry>(sp, metricsEnabled));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Recording.RecordingTelemetry>(sp, metricsEnabled));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Transcoding.TranscodingTelemetry>(sp, metricsEnabled));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<Playback.HlsRelayTelemetry>(sp, metricsEnabled));
        configureServices?.Invoke(services);

        var app = builder.Build();
        if (tlsCertificate is not null)
        {
            tlsCertificate.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<TlsCertificateFile>();
        }

        (durable as Storage.Postgres.PostgresStateStore)?.UseLogger(app.Services.GetRequiredService<ILoggerFactory>());
        var ready = false;
        var rejectionEvents = app.Services.GetRequiredService<System.Diagnostics.DiagnosticListener>().Subscribe(rejections, KestrelRejections.IsEnabled);
        app.Lifetime.ApplicationStopped.Register(rejectionEvents.Dispose);
        var endpoint = app.Services.GetRequiredService<IvsApiEndpoint>();
        var watchPage = app.Services.GetRequiredService<Playback.WatchPage>();
        var origin = app.Services.GetRequiredService<Playback.HlsOrigin>();
        var events = app.Services.GetRequiredService<EventStreamEndpoint>();
        var console = options.Console.Enabled ? app.Services.GetRequiredService<WebConsole.ConsoleEndpoint>() : null;
        var recordings = app.Services.GetRequiredService<RecordingObjectsEndpoint>();
        var recordingList = app.Services.GetRequiredService<RecordingListEndpoint>();
        var nodeEndpoints = app.Services.GetRequiredService<Cluster.NodeEndpoints>();
        var faults = options.EnableFaultInjection ? app.Services.GetRequiredService<FaultInjector>() : null;
        var playbackTelemetry = app.Services.GetRequiredService<PlaybackTelemetry>();
        var health = app.Services.GetRequiredService<Cluster.NodeHealth>();
        Func<HttpContext, Task> originHandler = origin.HandleAsync; // one delegate, not one per request
        _ = app.Services.GetRequiredService<IngestTelemetry>(); // its observable instruments exist from the start
        app.UseOpenIvsMetrics(options.Monitoring);
        if (options.Monitoring.MetricsEnabled)
        {
            // Observable instruments: they exist from the start (the event relay's come with the relay).
            _ = app.Services.GetRequiredService<Recording.RecordingTelemetry>();
            _ = app.Services.GetRequiredService<Transcoding.TranscodingTelemetry>();
            _ = app.Services.GetRequiredService<Playback.HlsRelayTelemetry>();
        }


        // One terminal handler that dispatches on the path: cheaper than endpoint routing on the hot path.
        app.Run(context =>
        {
            var path = context.Request.Path.Value ?? "/";
            if (path == "/health")
            {
                return health.WriteAsync(context, ready);
            }

            if (path.StartsWith(Playback.HlsOrigin.PathPrefix, StringComparison.Ordinal))
            {
                return playbackTelemetry.Enabled ? playbackTelemetry.HandleAsync(context, originHandler) : origin.HandleAsync(context);
            }

            if (path.StartsWith(RecordingObjectsEndpoint.PathPrefix, StringComparison.Ordinal))
            {
                return recordings.HandleAsync(context);
            }

            if (path.StartsWith(RecordingListEndpoint.PathPrefix, StringComparison.Ordinal))
            {
                return recordingList.HandleAsync(context);
            }

            if (path.StartsWith(Cluster.NodeEndpoints.PathPrefix, StringComparison.Ordinal))
            {
                return nodeEndpoints.HandleAsync(context);
            }

            if (faults is not null && path == "/_openivs/faults")
            {
                return FaultEndpoints.HandleAsync(context, faults, app.Services.GetRequiredService<IRequestAuthenticator>());
            }

            if (path == EventStreamEndpoint.Path)
            {
                return events.HandleAsync(context);
            }

            if (path.StartsWith("/watch/", StringComparison.Ordinal))
            {
                return watchPage.HandleAsync(context);
            }

            if (console is not null && path.StartsWith(WebConsole.ConsoleEndpoint.PathPrefix, StringComparison.Ordinal))
            {
                return console.HandleAsync(context);
            }

            return endpoint.HandleAsync(context);
        });
        app.Lifetime.ApplicationStarted.Register(() => ready = true);

        if (options.Authentication == "none")
        {
            app.Logger.LogWarning("Authentication is OFF (--auth none): anyone who can reach {Http} can use the API.", options.Http);
        }

        var server = new OpenIvsServer(app, durable, credentials);
        await app.Services.GetRequiredService<IvsService>().RefreshChannelEndpointsAsync(cancellationToken).ConfigureAwait(false);
        _ = app.Services.GetRequiredService<IvsService>().ResumeRecordingConfigurationActivationAsync();
        return server;
    }

    /// <summary>
    /// One node: every live stream is here. With PostgreSQL: the node's lease and heartbeat, cluster-wide live slots for
    /// the hub's admission, and the locator of streams held by other nodes (docs/cluster.md).
    /// </summary>
    private static void AddCluster(IServiceCollection services, OpenIvsOptions options, IStateStore durable, NodeIdentity node)
    {
        var cluster = options.Cluster;
        var advertiseUrl = cluster.ResolveAdvertiseUrl(options.HttpEndPoint);
        services.AddSingleton(cluster);
        services.AddSingleton(node);
        if (durable is not Storage.Postgres.PostgresStateStore postgres)
        {
            services.AddSingleton<IStreamLocator>(new LocalStreamLocator());
            services.AddSingleton(sp => new Cluster.NodeHealth(node, advertiseUrl, "sqlite", sp.GetRequiredService<IStreamHub>()));
            services.AddSingleton<Playback.ISingleUseIds>(sp => new Playback.LocalSingleUseIds(sp.GetRequiredService<TimeProvider>()));
            return;
        }

        // Leases are real time between processes and the database's clock: never the service's (possibly fake) clock.
        services.AddSingleton(_ => new Cluster.NodeLease(cluster, node, TimeProvider.System));
        services.AddSingleton(sp => new Cluster.ClusterSlots(
            sp.GetRequiredService<Cluster.NodeLease>(), new Cluster.NodeRegistry(postgres, sp.GetRequiredService<Cluster.NodeLease>()),
            sp.GetRequiredService<DocumentStore>(), sp.GetRequiredService<ILogger<Cluster.ClusterSlots>>()));
        services.AddSingleton<ILiveSlots>(sp => sp.GetRequiredService<Cluster.ClusterSlots>());
        services.AddSingleton<Cluster.ClusterStreamLocator>();
        services.AddSingleton<IStreamLocator>(sp => sp.GetRequiredService<Cluster.ClusterStreamLocator>());
        services.AddSingleton(sp => new Cluster.ClusterNode(
            sp.GetRequiredService<Cluster.NodeLease>(), sp.GetRequiredService<Cluster.ClusterSlots>(), sp.GetRequiredService<Cluster.ClusterStreamLocator>(),
            sp.GetRequiredService<LiveStreamHub>(), sp.GetRequiredService<RelayedViewerCounts>(), sp.GetRequiredService<StreamTables>(),
            sp.GetRequiredService<DocumentStore>(), sp.GetRequiredService<SessionRecorder>(), postgres, advertiseUrl,
            TimeProvider.System, sp.GetRequiredService<ILogger<Cluster.ClusterNode>>()));
        services.AddHostedService(sp => sp.GetRequiredService<Cluster.ClusterNode>());
        services.AddSingleton(sp => new Cluster.NodeHealth(
            node, advertiseUrl, "postgres", sp.GetRequiredService<IStreamHub>(), sp.GetRequiredService<Cluster.NodeLease>()));
        services.AddSingleton<Playback.ISingleUseIds>(sp => new Cluster.ClusterSingleUseIds(
            postgres, node, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Cluster.ClusterSingleUseIds>>()));
        services.AddSingleton<Playback.IViewerBreachEpisodes>(sp => new Cluster.ClusterBreachEpisodes(
            postgres, node, sp.GetRequiredService<ILogger<Cluster.ClusterBreachEpisodes>>()));
    }

    /// <summary>The outbox, its sinks (one per configured destination), the relay and the SSE endpoint.</summary>
    private static void AddEvents(IServiceCollection services, OpenIvsOptions options, IEventOutbox outbox)
    {
        var events = options.Events;
        services.AddSingleton(outbox); // an instance: the store owns and disposes it
        if (events.EventBridgeEnabled)
        {
            services.AddSingleton<IEventSink>(sp => new EventBridgeSink(
                events.EventBridgeUri(options.Region), events.EventBridgeBus.Length > 0 ? events.EventBridgeBus : "default", events.EventBridgeSource,
                options.Region, events.RequestTimeout, sp.GetService<Client.Credentials.IAwsCredentialsProvider>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<EventBridgeSink>()));
        }

        foreach (var url in events.WebhookUrls)
        {
            services.AddSingleton<IEventSink>(_ => new WebhookSink(new Uri(url), events.WebhookSecret, events.RequestTimeout));
        }

        services.AddSingleton<EventRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<EventRelay>());
        services.AddSingleton<EventStreamEndpoint>();
    }

    private static System.Net.IPEndPoint ParseEndPoint(string value) =>
        ListenAddress.Parse(value, "Monitoring.MetricsListen");

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>Stream keys stored in clear by an older version are written again, now sealed.</summary>
    private static async Task SealStreamKeysAsync(DocumentStore store, ResourceTables tables, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in tables.StreamKeys.Ordered.ToArray())
        {
            write.Put(tables.StreamKeys, entry.Id, entry.Value);
        }

        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts every service and listener. When one fails (a port already in use), the services already started are
    /// stopped before the error is thrown: otherwise they would go on (heartbeats, event relay) without a listener, and
    /// keep the process from exiting.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _app.StopAsync(stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
    }

    /// <summary>Starts and runs until the process is asked to stop (Ctrl+C, SIGTERM) or the token fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
