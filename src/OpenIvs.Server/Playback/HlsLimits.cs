namespace OpenIvs.Server.Playback;

/// <summary>
/// The HLS origin's fixed waits and cache lifetimes in one place, as <c>KestrelServerLimits</c> gathers
/// Kestrel's: not user options, but named, documented and changeable in tests.
/// </summary>
public sealed class HlsLimits
{
    /// <summary>
    /// How long a blocking playlist reload or a preload-hinted part is held, in target durations (RFC 8216bis
    /// 6.2.5.2: answer 503 when not available within three).
    /// </summary>
    public int BlockingWaitTargetDurations { get; init; } = 3;

    /// <summary>A blocking reload more than this many segments ahead of the playlist is answered 400 at once (RFC 8216bis 6.2.5.2).</summary>
    public int MaxSegmentsAhead { get; init; } = 2;

    /// <summary>
    /// How long caches may keep a blocking reload's answer, in target durations: it answers "the playlist as of
    /// that part or later", which stays true.
    /// </summary>
    public int BlockingPlaylistMaxAgeTargetDurations { get; init; } = 6;

    /// <summary>Cache lifetime of public segments, parts and init segments: their URLs name one stream's bytes forever.</summary>
    public TimeSpan PublicMediaMaxAge { get; init; } = TimeSpan.FromDays(365);

    /// <summary>Cache lifetime of a private channel's media (private caches only; the session is in the URL).</summary>
    public TimeSpan PrivateMediaMaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long browsers may keep a CORS preflight answer.</summary>
    public TimeSpan PreflightMaxAge { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The <c>Retry-After</c> of a 503 (too many waiting requests, or a part not ready in time).</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    internal string PublicMediaCacheControl => $"public, max-age={Seconds(PublicMediaMaxAge)}, immutable";

    internal string PrivateMediaCacheControl => $"private, max-age={Seconds(PrivateMediaMaxAge)}";

    internal static string Seconds(TimeSpan span) => ((long)span.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
