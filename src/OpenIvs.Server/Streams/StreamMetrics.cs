namespace OpenIvs.Server.Streams;

/// <summary>
/// Ingest measurements of one live stream over a sliding window of whole seconds (bitrates, frame rate,
/// time of the last media). Written by the ingest loop only; read by anyone (values may be a frame stale).
/// </summary>
public sealed class StreamMetrics(TimeProvider time)
{
    private const int WindowSeconds = 5;
    private readonly long[] _videoBytes = new long[WindowSeconds + 1];
    private readonly long[] _audioBytes = new long[WindowSeconds + 1];
    private readonly int[] _videoFrames = new int[WindowSeconds + 1];
    private readonly long[] _bucketSecond = new long[WindowSeconds + 1];
    private readonly long _origin = time.GetTimestamp();
    private long _lastMediaTimestamp = time.GetTimestamp();
    private long _lastKeyframe = -1;
    private long _keyframeIntervalMs;

    /// <summary>Monotonic time of the last media frame received.</summary>
    public TimeSpan SinceLastMedia => time.GetElapsedTime(Volatile.Read(ref _lastMediaTimestamp));

    public long TotalBytes { get; private set; }

    public void Add(bool video, int bytes)
    {
        var now = time.GetTimestamp();
        Volatile.Write(ref _lastMediaTimestamp, now);
        var second = (now - _origin) / time.TimestampFrequency;
        var slot = (int)(second % _bucketSecond.Length);
        if (_bucketSecond[slot] != second)
        {
            _bucketSecond[slot] = second;
            _videoBytes[slot] = 0;
            _audioBytes[slot] = 0;
            _videoFrames[slot] = 0;
        }

        if (video)
        {
            _videoBytes[slot] += bytes;
            _videoFrames[slot]++;
        }
        else
        {
            _audioBytes[slot] += bytes;
        }

        TotalBytes += bytes;
    }

    /// <summary>A video keyframe at <paramref name="timestampMs"/> (media time): measures the keyframe interval.</summary>
    public void AddKeyframe(long timestampMs)
    {
        if (_lastKeyframe >= 0 && timestampMs > _lastKeyframe)
        {
            Volatile.Write(ref _keyframeIntervalMs, timestampMs - _lastKeyframe);
        }

        _lastKeyframe = timestampMs;
    }

    /// <summary>Media time between the last two video keyframes (IVS's KeyframeInterval); zero until two arrived.</summary>
    public TimeSpan KeyframeInterval => TimeSpan.FromMilliseconds(Volatile.Read(ref _keyframeIntervalMs));

    /// <summary>Average video bitrate over the last complete seconds, bits per second.</summary>
    public long VideoBitrate => Sum(_videoBytes) * 8 / Math.Max(1, CompleteSeconds);

    public long AudioBitrate => Sum(_audioBytes) * 8 / Math.Max(1, CompleteSeconds);

    public long TotalBitrate => VideoBitrate + AudioBitrate;

    /// <summary>Video frames per second over the last complete seconds.</summary>
    public double FrameRate => (double)Sum(_videoFrames.Select(f => (long)f).ToArray()) / Math.Max(1, CompleteSeconds);

    /// <summary>How many whole seconds of data the window holds (up to 5).</summary>
    public int CompleteSeconds => (int)Math.Min(WindowSeconds, (time.GetTimestamp() - _origin) / time.TimestampFrequency);

    // Sums the complete seconds of the window, excluding the current (partial) one.
    private long Sum(long[] values)
    {
        var current = (time.GetTimestamp() - _origin) / time.TimestampFrequency;
        long sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var second = _bucketSecond[i];
            if (second < current && second >= current - WindowSeconds)
            {
                sum += values[i];
            }
        }

        return sum;
    }
}
