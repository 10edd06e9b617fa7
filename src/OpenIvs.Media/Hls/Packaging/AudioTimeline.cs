namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Sample-accurate audio decode times. RTMP stamps audio in whole milliseconds (1024 samples at 44.1 kHz are
/// 23.22 ms, stamped 23 or 24), so converting each stamp would give jittery sample durations. Instead each AAC
/// frame advances the clock by exactly its sample count, and the clock re-anchors to the stamp only when the
/// two drift apart by more than <see cref="ResyncMilliseconds"/> (a real gap or jump in the input).
/// </summary>
internal sealed class AudioTimeline(int sampleRate, int samplesPerFrame)
{
    public const int ResyncMilliseconds = 100;

    private long _next = long.MinValue;

    public int SampleRate { get; } = sampleRate;

    public int SamplesPerFrame { get; } = samplesPerFrame;

    /// <summary>Returns the decode time in samples for a frame stamped <paramref name="milliseconds"/>.</summary>
    public long Next(long milliseconds)
    {
        var measured = milliseconds * SampleRate / 1000;
        if (_next == long.MinValue || Math.Abs(measured - _next) > (long)SampleRate * ResyncMilliseconds / 1000)
        {
            _next = measured;
        }

        var dts = _next;
        _next += SamplesPerFrame;
        return dts;
    }

    public long To90kHz(long samples) => samples * 90_000 / SampleRate;

    public void Reset() => _next = long.MinValue;
}
