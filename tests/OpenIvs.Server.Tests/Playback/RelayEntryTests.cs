using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Server.Playback;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// A relayed body as it arrives (<see cref="RelayEntry"/>, <see cref="RelayReader"/>): viewers are given each chunk
/// as it comes, a late one what has arrived then the rest, a cut body is reported as such, and the pooled chunks go
/// back once the fetch has ended and the last reference is gone.
/// </summary>
public class RelayEntryTests
{
    [Fact]
    public async Task ViewersGetTheBodyAsItArrivesALateOneFromTheStartAndTheChunksGoBackAfterTheLastViewer()
    {
        var pool = new PartBufferPool();
        long accounted = 0;
        var entry = new RelayEntry("segment", TimeSpan.FromSeconds(1), 0, pool, delta => Interlocked.Add(ref accounted, delta));
        Assert.True(entry.TryAddReference()); // the first viewer
        entry.Start(200, "video/mp2t", "public, max-age=31536000, immutable", null, declaredLength: null);
        Assert.True(entry.HasHeaders);

        var body = new byte[700_000]; // several chunks of a streamed body (16 KB growing to 256 KB)
        new Random(7).NextBytes(body);
        var first = ReadAllAsync(entry);
        var written = 0;
        Task<byte[]>? late = null;
        while (written < body.Length)
        {
            var room = entry.GetMemory();
            var count = Math.Min(Math.Min(room.Length, 9_000), body.Length - written);
            body.AsMemory(written, count).CopyTo(room);
            entry.Advance(count);
            written += count;
            if (late is null && written > 100_000)
            {
                Assert.True(entry.TryAddReference());
                late = ReadAllAsync(entry);
            }

            await Task.Yield();
        }

        Assert.Null(entry.CompleteLength);
        entry.Finish(failed: false);
        Assert.Equal(body.Length, entry.CompleteLength);
        Assert.Equal(body, await first);
        Assert.Equal(body, await late!);
        Assert.Equal(body, entry.ToArray());
        Assert.Equal(body.Length, Interlocked.Read(ref accounted));

        entry.Release();
        entry.Release();
        Assert.Equal(body.Length, Interlocked.Read(ref accounted)); // the cache still holds it
        entry.Release();
        Assert.Equal(0, Interlocked.Read(ref accounted));
        Assert.True(pool.IdleBytes >= body.Length);
        Assert.False(entry.TryAddReference());
    }

    [Fact]
    public async Task AWaitingViewerIsWokenByTheEndOfACutBodyAndLeavesWhenItsRequestIsAborted()
    {
        var entry = new RelayEntry("segment", TimeSpan.FromSeconds(1), 0, new PartBufferPool(), _ => { });
        entry.Start(200, "video/mp2t", null, null, declaredLength: null);
        using var aborted = new CancellationTokenSource();
        using var leaving = new RelayReader(aborted.Token);
        Assert.True(entry.Next(leaving, out var ended).IsEmpty);
        Assert.False(ended);
        var wait = entry.WaitAsync(leaving).AsTask();
        Assert.False(wait.IsCompleted);
        aborted.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);

        using var staying = new RelayReader(CancellationToken.None);
        var woken = entry.WaitAsync(staying).AsTask();
        entry.GetMemory().Span[0] = 42;
        entry.Advance(1);
        await woken.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(42, entry.Next(staying, out _).Span[0]);
        var end = entry.WaitAsync(staying).AsTask();
        entry.Finish(failed: true);
        await end.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(entry.Next(staying, out ended).IsEmpty);
        Assert.True(ended);
        Assert.True(entry.Failed);
        Assert.Null(entry.CompleteLength);
    }

    [Fact]
    public void AHolderThatNeverAnsweredLeavesStatusZeroAndADeclaredBodyTakesOneChunk()
    {
        var unanswered = new RelayEntry("part", TimeSpan.Zero, 0, new PartBufferPool(), _ => { });
        unanswered.Finish(failed: true);
        Assert.True(unanswered.HasHeaders);
        Assert.Equal(0, unanswered.Status);

        var declared = new RelayEntry("part", TimeSpan.Zero, 0, new PartBufferPool(), _ => { });
        declared.Start(200, "video/mp4", null, null, declaredLength: 50_000);
        Assert.True(declared.GetMemory().Length >= 50_000);
    }

    /// <summary>A viewer's loop, as HlsRelay writes a response: what has arrived, then wait for more, until the end.</summary>
    private static async Task<byte[]> ReadAllAsync(RelayEntry entry)
    {
        using var reader = new RelayReader(CancellationToken.None);
        using var copy = new MemoryStream();
        while (true)
        {
            var bytes = entry.Next(reader, out var ended);
            if (!bytes.IsEmpty)
            {
                copy.Write(bytes.Span);
            }
            else if (ended)
            {
                return copy.ToArray();
            }
            else
            {
                await entry.WaitAsync(reader);
            }
        }
    }
}
