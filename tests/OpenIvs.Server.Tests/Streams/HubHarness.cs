using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Sqlite;
using OpenIvs.Server.Streams;
using OpenIvs.Server.Streams.Lifecycle;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Streams;

/// <summary>
/// The hub, the monitor and the lifecycle queue on a fake clock, with channels and stream keys in a real
/// SQLite store, and no network: tests publish frames and advance time themselves.
/// </summary>
internal sealed class HubHarness : IAsyncDisposable
{
    private readonly SqliteStateStore _durable;
    private bool _keepDirectory;

    private HubHarness(OpenIvsOptions options, SqliteStateStore durable, DocumentStore store)
    {
        Options = options;
        _durable = durable;
        Store = store;
        Lifecycle = new StreamLifecycle(NullLogger<StreamLifecycle>.Instance);
        Hub = new LiveStreamHub(options.Ingest, options.Quotas, Resources, Lifecycle, Time, NullLogger<LiveStreamHub>.Instance);
        Monitor = new StreamMonitor(options.Ingest, Hub, Lifecycle, Time, NullLogger<StreamMonitor>.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    public OpenIvsOptions Options { get; }

    public ResourceTables Resources { get; } = new();

    public StreamTables Tables { get; } = new();

    public DocumentStore Store { get; }

    public StreamLifecycle Lifecycle { get; }

    public LiveStreamHub Hub { get; }

    public StreamMonitor Monitor { get; }

    /// <summary>A harness over a new data directory, or over <paramref name="dataDirectory"/> as a restarted server would load it.</summary>
    public static async Task<HubHarness> CreateAsync(Action<OpenIvsOptions>? configure = null, string? dataDirectory = null)
    {
        var options = new OpenIvsOptions { DataDirectory = dataDirectory ?? TestServer.TempDirectory() };
        configure?.Invoke(options);
        Directory.CreateDirectory(options.DataDirectory);
        var durable = new SqliteStateStore(Path.Combine(options.DataDirectory, "openivs.db"));
        await durable.InitializeAsync(CancellationToken.None);
        var harness = new HubHarness(options, durable, new DocumentStore(durable)) { _keepDirectory = dataDirectory is not null };
        await harness.Store.LoadAsync(harness.Resources.All.Concat(harness.Tables.All), CancellationToken.None);
        return harness;
    }

    /// <summary>A session recorder over this harness's lifecycle queue and store (not started).</summary>
    public SessionRecorder NewRecorder() =>
        new(Options.Account, Options.Ingest, Lifecycle, Tables, Store, Hub, new NodeIdentity("test"), Time, NullLogger<SessionRecorder>.Instance);

    /// <summary>The events in the durable outbox, oldest first.</summary>
    public IReadOnlyList<System.Text.Json.Nodes.JsonNode> StoredEvents() =>
        [.. _durable.Outbox.ReadAsync(0, 10_000, null, CancellationToken.None).GetAwaiter().GetResult().Select(e => System.Text.Json.Nodes.JsonNode.Parse(e.Json)!)];

    /// <summary>Waits until the outbox holds <paramref name="count"/> events: woken by each commit, never on a clock (the bound guards a hang).</summary>
    public async Task WaitForStoredEventsAsync(int count)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var seen = _durable.Outbox.LastPosition; // read before counting, so a commit in between is not missed
            if (StoredEvents().Count >= count)
            {
                return;
            }

            await _durable.Outbox.WaitAsync(seen, bound.Token);
        }
    }

    /// <summary>Creates a channel with one stream key; returns the channel and the key's value.</summary>
    public async Task<(Channel Channel, string Key)> AddChannelAsync(ChannelType? type = null, ContainerFormat? container = null, bool insecureIngest = false)
    {
        var id = ResourceIds.NewResourceId();
        var channel = new Channel
        {
            Arn = $"arn:aws:ivs:us-west-2:000000000000:channel/{id}",
            Name = "ch-" + id,
            Type = type ?? ChannelType.Standard,
            ContainerFormat = container ?? ContainerFormat.Ts,
            InsecureIngest = insecureIngest,
            LatencyMode = ChannelLatencyMode.Low,
        };
        var keyId = ResourceIds.NewResourceId();
        var key = new StreamKey
        {
            Arn = $"arn:aws:ivs:us-west-2:000000000000:stream-key/{keyId}",
            ChannelArn = channel.Arn,
            Value = ResourceIds.NewStreamKeyValue("us-west-2", keyId),
        };
        await using var write = await Store.BeginWriteAsync(CancellationToken.None);
        write.Put(Resources.Channels, id, new ChannelRecord { Channel = channel, EndpointPrefix = ResourceIds.NewEndpointPrefix(), CreatedAt = Time.GetUtcNow() });
        write.Put(Resources.StreamKeys, keyId, new StreamKeyRecord { Key = key });
        await write.CommitAsync(CancellationToken.None);
        return (channel, key.Value!);
    }

    /// <summary>Admits a publisher; <paramref name="disconnects"/> counts the hub's requests to close it.</summary>
    public LiveStream Begin(string key, StrongBox<int>? disconnects = null, IngestTransport transport = IngestTransport.Rtmps)
    {
        var result = Hub.TryBegin(key, transport, () => { if (disconnects is not null) { disconnects.Value++; } });
        Assert.True(result.Accepted, $"refused: {result.Refusal}");
        return result.Stream!;
    }

    public static VideoTrackInfo Video(int width = 1280, int height = 720, VideoCodec codec = VideoCodec.Avc) =>
        new(codec, "avc1.64001F", "High", "3.1", width, height, 30, [1, 2, 3]);

    public static MediaFrame Frame(long timestamp, bool keyframe = false, int bytes = 1000, MediaKind kind = MediaKind.Video) =>
        MediaFrame.Create(kind, new byte[bytes], timestamp, 0, keyframe);

    /// <summary>Every fact reported so far (and not yet taken).</summary>
    public List<LifecycleFact> TakeFacts()
    {
        var facts = new List<LifecycleFact>();
        while (Lifecycle.Facts.TryRead(out var fact))
        {
            facts.Add(fact);
        }

        return facts;
    }

    public async ValueTask DisposeAsync()
    {
        await _durable.DisposeAsync();
        if (_keepDirectory)
        {
            return;
        }

        try
        {
            Directory.Delete(Options.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
