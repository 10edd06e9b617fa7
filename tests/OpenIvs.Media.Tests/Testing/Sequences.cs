using System.Buffers;

namespace OpenIvs.Media.Tests.Testing;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s and replays a buffer split at every point.</summary>
public static class Sequences
{
    public delegate bool TryRead<T>(ref ReadOnlySequence<byte> buffer, out T item);

    /// <summary>A sequence over <paramref name="data"/> with a segment boundary at each of <paramref name="splits"/>.</summary>
    public static ReadOnlySequence<byte> Create(ReadOnlyMemory<byte> data, params int[] splits)
    {
        var points = splits.Where(s => s > 0 && s < data.Length).Distinct().Order().ToList();
        if (points.Count == 0)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var first = new Segment(data[..points[0]], 0);
        var last = first;
        for (var i = 0; i < points.Count; i++)
        {
            var end = i + 1 < points.Count ? points[i + 1] : data.Length;
            last = last.Append(data[points[i]..end]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Every byte its own segment.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(ReadOnlyMemory<byte> data) =>
        Create(data, Enumerable.Range(1, Math.Max(0, data.Length - 1)).ToArray());

    /// <summary>
    /// Simulates a pipe: the bytes arrive in pieces ending at <paramref name="arrivals"/> (then the rest); after each
    /// arrival the parser is run over the unconsumed bytes (as a multi-segment sequence split where the pieces
    /// met) until it returns <c>false</c>. <paramref name="copy"/> turns each item into something that outlives the
    /// buffer.
    /// </summary>
    public static List<TOut> Feed<T, TOut>(byte[] data, int[] arrivals, TryRead<T> tryRead, Func<T, TOut> copy)
    {
        var items = new List<TOut>();
        var consumed = 0;
        var boundaries = arrivals.Where(a => a > 0 && a < data.Length).Distinct().Order().Append(data.Length).ToList();
        foreach (var available in boundaries)
        {
            var splits = boundaries.Where(b => b > consumed && b < available).Select(b => b - consumed).ToArray();
            var buffer = Create(data.AsMemory(consumed, available - consumed), splits);
            var length = buffer.Length;
            while (tryRead(ref buffer, out var item))
            {
                items.Add(copy(item));
            }

            consumed += (int)(length - buffer.Length);
        }

        return items;
    }

    /// <summary>Runs <see cref="Feed{T,TOut}"/> for every single split point and for one-byte arrivals; all results must agree.</summary>
    public static List<TOut> FeedAtEverySplit<T, TOut>(byte[] data, Func<TryRead<T>> createParser, Func<T, TOut> copy, Action<List<TOut>>? check = null)
    {
        var whole = Feed(data, [], createParser(), copy);
        check?.Invoke(whole);
        for (var split = 1; split < data.Length; split++)
        {
            var parts = Feed(data, [split], createParser(), copy);
            Assert.True(whole.Count == parts.Count, $"split at {split}: {parts.Count} items instead of {whole.Count}");
            check?.Invoke(parts);
        }

        var bytewise = Feed(data, Enumerable.Range(1, data.Length).ToArray(), createParser(), copy);
        Assert.Equal(whole.Count, bytewise.Count);
        check?.Invoke(bytewise);
        return whole;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
