using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace OpenIvs.Server.Streams;

/// <summary>
/// Gives the system back the native memory that glibc keeps after bursts of work. Streams starting make the runtime
/// compile the ingest path and tier it up, for a minute or more after each change in what is live; each compilation's
/// scratch memory is freed when it ends but stays in glibc's per-thread arenas, resident and unused: 3-4 MB after 10
/// streams started, 8 MB after 20 (bench/playback <c>memory --breakdown</c>, "arenas"), more than what those
/// streams hold themselves. Every <see cref="Interval"/> in which methods were compiled or streams started or ended,
/// <c>malloc_trim(0)</c> returns the free pages (compilation trickles on for minutes, so waiting for it to stop would
/// rarely trim); an idle or steady server is not trimmed. Where there is no glibc (musl, other systems) it stops after
/// the first attempt.
/// </summary>
public sealed partial class NativeHeapTrimming : BackgroundService
{
    /// <summary>How often compilation and the live streams are looked at: at most one trim per interval.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly Func<long> _compiledMethods;
    private readonly Func<int> _liveStreams;
    private readonly Func<bool> _trim;
    private readonly ILogger<NativeHeapTrimming> _logger;
    private long _lastCompiled;
    private int _lastLive;
    private bool _unavailable;

    public NativeHeapTrimming(LiveStreamHub hub, TimeProvider time, ILogger<NativeHeapTrimming> logger)
        : this(() => JitInfo.GetCompiledMethodCount(), () => hub.LiveCount, TryMallocTrim, time, logger)
    {
    }

    /// <param name="compiledMethods">Methods compiled so far by the runtime.</param>
    /// <param name="liveStreams">Streams live now.</param>
    /// <param name="trim">Returns free native memory to the system; false where that cannot be done.</param>
    /// <param name="time">The clock of the checks.</param>
    /// <param name="logger">Where trims are noted (debug).</param>
    internal NativeHeapTrimming(Func<long> compiledMethods, Func<int> liveStreams, Func<bool> trim, TimeProvider time, ILogger<NativeHeapTrimming> logger)
    {
        _compiledMethods = compiledMethods;
        _liveStreams = liveStreams;
        _trim = trim;
        _time = time;
        _logger = logger;
        _lastCompiled = compiledMethods();
        _lastLive = liveStreams();
    }

    /// <summary>Trims done so far.</summary>
    public int Trims { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (!_unavailable && await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Check();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>
    /// One check, every <see cref="Interval"/>: when methods were compiled or the live streams changed since the last
    /// trim, trims. Returns whether it trimmed.
    /// </summary>
    internal bool Check()
    {
        var compiled = _compiledMethods();
        var live = _liveStreams();
        if ((compiled == _lastCompiled && live == _lastLive) || _unavailable)
        {
            return false;
        }

        var started = _time.GetTimestamp();
        if (!_trim())
        {
            _unavailable = true;
            LogUnavailable(_logger);
            return false;
        }

        Trims++;
        LogTrimmed(_logger, _time.GetElapsedTime(started).TotalMilliseconds);

        // What the check itself compiled (its first calls) is not a change worth another trim.
        (_lastCompiled, _lastLive) = (_compiledMethods(), live);
        return true;
    }

    /// <summary><c>malloc_trim(0)</c> of glibc; false where it does not exist.</summary>
    internal static bool TryMallocTrim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            MallocTrim(0);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LoggerMessage(EventId = 304, Level = LogLevel.Debug, Message = "Native heap trimmed in {Milliseconds:0.0} ms")]
    private static partial void LogTrimmed(ILogger logger, double milliseconds);

    [LoggerMessage(EventId = 305, Level = LogLevel.Debug, Message = "Native heap trimming is not available here (no glibc)")]
    private static partial void LogUnavailable(ILogger logger);
}
