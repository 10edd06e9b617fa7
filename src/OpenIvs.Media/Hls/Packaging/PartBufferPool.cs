using System.Buffers;
using System.Numerics;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// The pool of part buffers: arrays in fine size classes (sixteen per power of two, so a 110 KB part takes a
/// 112 KB array where a power-of-two pool gives 128 KB) that are given back to the garbage collector when they
/// sit idle (<see cref="Trim"/>).
/// </summary>
/// <remarks>
/// Parts live for the whole window and then come back, so with many streams a pool must hold many arrays, and
/// <see cref="ArrayPool{T}.Create(int, int)"/>'s pool keeps every array it ever lent: memory never came back when
/// streams ended. Here each size class remembers the fewest arrays it held idle since the last trim; those were
/// not needed for a whole interval, and the next <see cref="Trim"/> drops them. Thread-safe.
/// </remarks>
public sealed class PartBufferPool : ArrayPool<byte>
{
    private const int MinimumClass = 1024;
    private const int StepsPerOctave = 16;
    private const int FitClasses = 3; // a request may take an idle array up to three classes (about 19 %) larger
    private readonly Dictionary<int, Bucket> _buckets = [];
    private readonly Lock _bucketsLock = new();
    private readonly int _maxArrayLength;
    private readonly int _maxArraysPerBucket;

    public PartBufferPool(int maxArrayLength = 16 * 1024 * 1024, int maxArraysPerBucket = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxArrayLength, MinimumClass);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxArraysPerBucket);
        _maxArrayLength = maxArrayLength;
        _maxArraysPerBucket = maxArraysPerBucket;
    }

    /// <summary>Bytes held idle in the pool now.</summary>
    public long IdleBytes
    {
        get
        {
            long total = 0;
            foreach (var bucket in Buckets())
            {
                lock (bucket.Lock)
                {
                    total += (long)bucket.Free.Count * bucket.Size;
                }
            }

            return total;
        }
    }

    /// <summary>The array length a request for <paramref name="minimumLength"/> bytes gets.</summary>
    public static int ClassSize(int minimumLength)
    {
        if (minimumLength <= MinimumClass)
        {
            return MinimumClass;
        }

        var octave = (long)BitOperations.RoundUpToPowerOf2((uint)minimumLength) / 2; // the power of two below
        var step = Math.Max(octave / StepsPerOctave, MinimumClass);
        return (int)Math.Min((minimumLength + step - 1) / step * step, Array.MaxLength);
    }

    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        var size = ClassSize(minimumLength);
        if (size > _maxArrayLength)
        {
            return new byte[minimumLength]; // too large to keep; Return drops it
        }

        // Best fit among the next few classes: part sizes wander, and an idle array a little larger serves as well
        // as a new one (which would leave the idle one to the garbage collector).
        for (var (candidate, step) = (size, 0); step <= FitClasses && candidate <= _maxArrayLength; step++, candidate = ClassSize(candidate + 1))
        {
            if (TryGetBucket(candidate) is not { } bucket)
            {
                continue;
            }

            lock (bucket.Lock)
            {
                if (bucket.Free.TryPop(out var array))
                {
                    bucket.LowWater = Math.Min(bucket.LowWater, bucket.Free.Count);
                    return array;
                }
            }
        }

        GetBucket(size); // the class exists from now on, so the array can come back
        return GC.AllocateUninitializedArray<byte>(size);
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length > _maxArrayLength || array.Length != ClassSize(array.Length))
        {
            return; // not one of ours
        }

        if (clearArray)
        {
            Array.Clear(array);
        }

        var bucket = GetBucket(array.Length);
        lock (bucket.Lock)
        {
            if (bucket.Free.Count < _maxArraysPerBucket)
            {
                bucket.Free.Push(array);
            }
        }
    }

    /// <summary>
    /// Drops the arrays that stayed idle since the previous call (call it periodically, e.g. every few seconds;
    /// the interval is how long an array may sit idle). Returns the bytes given back to the garbage collector.
    /// </summary>
    public long Trim()
    {
        long released = 0;
        foreach (var bucket in Buckets())
        {
            lock (bucket.Lock)
            {
                for (var i = 0; i < bucket.LowWater && bucket.Free.Count > 0; i++)
                {
                    bucket.Free.Pop();
                    released += bucket.Size;
                }

                bucket.LowWater = bucket.Free.Count;
            }
        }

        return released;
    }

    private Bucket? TryGetBucket(int size)
    {
        lock (_bucketsLock)
        {
            return _buckets.GetValueOrDefault(size);
        }
    }

    private Bucket GetBucket(int size)
    {
        lock (_bucketsLock)
        {
            if (!_buckets.TryGetValue(size, out var bucket))
            {
                bucket = new Bucket(size);
                _buckets[size] = bucket;
            }

            return bucket;
        }
    }

    private Bucket[] Buckets()
    {
        lock (_bucketsLock)
        {
            return [.. _buckets.Values];
        }
    }

    private sealed class Bucket(int size)
    {
        public readonly Lock Lock = new();
        public readonly Stack<byte[]> Free = new();
        public readonly int Size = size;
        public int LowWater;
    }
}
