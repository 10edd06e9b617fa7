using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Streams;

/// <summary>
/// Passes a live stream's ad breaks to a segmenter as they start, end, or (post-roll) appear: what the packager and
/// the recorder do for each rendition they segment. Checking costs one read while nothing changed.
/// </summary>
/// <remarks>Single-threaded: the caller's pump.</remarks>
public sealed class AdBreakFollower
{
    private readonly HashSet<AdBreak> _marked = new(ReferenceEqualityComparer.Instance);
    private int _version = -1;

    /// <summary>Marks on <paramref name="segmenter"/> what changed in <paramref name="stream"/>'s ad breaks since the last call.</summary>
    public void Follow(LiveStream stream, LiveSegmenter segmenter)
    {
        var version = stream.AdBreakVersion;
        if (version == _version)
        {
            return;
        }

        _version = version;
        var adBreaks = stream.AdBreaks;
        foreach (var adBreak in adBreaks)
        {
            if ((adBreak.Start is not null || adBreak.PostRoll) && _marked.Add(adBreak))
            {
                segmenter.MarkAdBreak(new AdBreakMarker(adBreak.Id, adBreak.Start ?? 0, adBreak.Duration, adBreak.SpliceEventId)
                {
                    End = adBreak.End,
                    PostRoll = adBreak.PostRoll,
                });
            }
        }

        _marked.RemoveWhere(b => !Contains(adBreaks, b)); // only the stream's latest are kept
    }

    /// <summary>A new segmenter (or stream): everything is passed again at the next <see cref="Follow"/>.</summary>
    public void Reset()
    {
        _version = -1;
        _marked.Clear();
    }

    private static bool Contains(IReadOnlyList<AdBreak> adBreaks, AdBreak adBreak)
    {
        foreach (var b in adBreaks)
        {
            if (ReferenceEquals(b, adBreak))
            {
                return true;
            }
        }

        return false;
    }
}
