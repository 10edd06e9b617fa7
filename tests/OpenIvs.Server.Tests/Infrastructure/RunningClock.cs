using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that keeps up with real time (advanced every few milliseconds by the time that
/// really passed), for servers that take real media: ffmpeg publishes at real time and the packager's pump must run.
/// A test moves it ahead with <see cref="Jump"/> instead of waiting out a timeout (idle, viewer sessions, blocking
/// reloads): every timer due in the jump fires at once. Dispose it after the server (declare it first), so
/// shutdown's own waits still see time pass.
/// </summary>
public sealed class RunningClock : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private RunningClock()
    {
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The clock to give the server: starts at the real time, so signatures made with it are current.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public static RunningClock Start() => new();

    /// <summary>Moves the clock ahead by <paramref name="amount"/> now, firing every timer due on the way.</summary>
    public void Jump(TimeSpan amount) => Time.Advance(amount);

    private async Task RunAsync()
    {
        var real = Stopwatch.StartNew();
        var followed = TimeSpan.Zero;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Tick, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = real.Elapsed;
            Time.Advance(now - followed);
            followed = now;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
