using System.Globalization;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Names segments, parts and init segments, relative to the media playlist, and parses those names back.
/// </summary>
/// <remarks>
/// Parts are numbered by a stream-wide part sequence (<c>part{n}</c>), not by (segment, index): the part that
/// follows the newest one always has the name <c>part{n+1}</c>, whether or not a keyframe makes it the first
/// part of a new segment, so the EXT-X-PRELOAD-HINT is never wrong. Segments are <c>seg{msn}</c>, init
/// segments <c>init{generation}.mp4</c> (a new generation after each discontinuity).
/// </remarks>
public sealed class HlsUriScheme
{
    private readonly string _extension;

    public HlsUriScheme(HlsContainerFormat format)
    {
        Format = format;
        _extension = format == HlsContainerFormat.Fmp4 ? ".m4s" : ".ts";
    }

    public HlsContainerFormat Format { get; }

    public string SegmentUri(long mediaSequence) => string.Create(CultureInfo.InvariantCulture, $"seg{mediaSequence}{_extension}");

    public string PartUri(long partSequence) => string.Create(CultureInfo.InvariantCulture, $"part{partSequence}{_extension}");

    public string InitUri(int generation) => string.Create(CultureInfo.InvariantCulture, $"init{generation}.mp4");

    /// <summary>Parses a name this scheme produced (the last path component, without query).</summary>
    public bool TryParse(ReadOnlySpan<char> name, out HlsResourceKind kind, out long number)
    {
        kind = default;
        number = 0;
        ReadOnlySpan<char> digits;
        if (name.StartsWith("seg") && name.EndsWith(_extension))
        {
            kind = HlsResourceKind.Segment;
            digits = name[3..^_extension.Length];
        }
        else if (name.StartsWith("part") && name.EndsWith(_extension))
        {
            kind = HlsResourceKind.Part;
            digits = name[4..^_extension.Length];
        }
        else if (Format == HlsContainerFormat.Fmp4 && name.StartsWith("init") && name.EndsWith(".mp4"))
        {
            kind = HlsResourceKind.Init;
            digits = name[4..^4];
        }
        else
        {
            return false;
        }

        return digits.Length is > 0 and <= 18
            && !digits.ContainsAnyExceptInRange('0', '9')
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
