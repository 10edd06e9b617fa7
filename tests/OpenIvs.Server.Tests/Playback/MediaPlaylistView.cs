using System.Globalization;
using System.Text.RegularExpressions;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>What the tests read from a media playlist: an independent, minimal parser (not the server's model).</summary>
internal sealed record MediaPlaylistView(
    int TargetDuration,
    long MediaSequence,
    double? PartTarget,
    double PartHoldBack,
    double CanSkipUntil,
    bool CanBlockReload,
    IReadOnlyList<MediaPlaylistView.Segment> Segments,
    IReadOnlyList<MediaPlaylistView.Part> Parts,
    IReadOnlyList<DateTimeOffset> ProgramDateTimes,
    string? PreloadHint)
{
    public sealed record Segment(long Msn, string Uri, double Duration);

    public sealed record Part(long Msn, int Index, string Uri, double Duration, bool Independent);

    /// <summary>The (msn, part) an LL-HLS client asks for next: the part after the newest one.</summary>
    public (long Msn, int Part) NextPart()
    {
        var last = Parts[^1];
        var open = Segments.Count == 0 || last.Msn > Segments[^1].Msn; // the newest part's segment is not complete
        return open ? (last.Msn, last.Index + 1) : (last.Msn + 1, 0);
    }

    public bool Contains(long msn, int part) =>
        Parts.Any(p => p.Msn > msn || p.Msn == msn && p.Index >= part);

    public static MediaPlaylistView Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("#EXTM3U", lines[0]);
        int targetDuration = 0;
        long sequence = 0;
        double? partTarget = null;
        double holdBack = 0, skipUntil = 0;
        var canBlock = false;
        string? hint = null;
        var segments = new List<Segment>();
        var parts = new List<Part>();
        var dates = new List<DateTimeOffset>();
        double? duration = null;
        var partIndex = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("#EXT-X-TARGETDURATION:", StringComparison.Ordinal))
            {
                targetDuration = int.Parse(line[22..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-MEDIA-SEQUENCE:", StringComparison.Ordinal))
            {
                sequence = long.Parse(line[22..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-SKIP:", StringComparison.Ordinal))
            {
                var skipped = int.Parse(Attribute(line, "SKIPPED-SEGMENTS")!, CultureInfo.InvariantCulture);
                for (var i = 0; i < skipped; i++)
                {
                    segments.Add(new Segment(sequence + segments.Count, "(skipped)", 0));
                }
            }
            else if (line.StartsWith("#EXT-X-PART-INF:", StringComparison.Ordinal))
            {
                partTarget = Number(Attribute(line, "PART-TARGET"));
            }
            else if (line.StartsWith("#EXT-X-SERVER-CONTROL:", StringComparison.Ordinal))
            {
                canBlock = Attribute(line, "CAN-BLOCK-RELOAD") == "YES";
                holdBack = Number(Attribute(line, "PART-HOLD-BACK")) ?? 0;
                skipUntil = Number(Attribute(line, "CAN-SKIP-UNTIL")) ?? 0;
            }
            else if (line.StartsWith("#EXT-X-PROGRAM-DATE-TIME:", StringComparison.Ordinal))
            {
                dates.Add(DateTimeOffset.Parse(line[25..], CultureInfo.InvariantCulture));
            }
            else if (line.StartsWith("#EXT-X-PART:", StringComparison.Ordinal))
            {
                parts.Add(new Part(sequence + segments.Count, partIndex++, Attribute(line, "URI")!, Number(Attribute(line, "DURATION"))!.Value,
                    Attribute(line, "INDEPENDENT") == "YES"));
            }
            else if (line.StartsWith("#EXT-X-PRELOAD-HINT:", StringComparison.Ordinal))
            {
                hint = Attribute(line, "URI");
            }
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                duration = double.Parse(line[8..].TrimEnd(',').Split(',')[0], CultureInfo.InvariantCulture);
            }
            else if (!line.StartsWith('#'))
            {
                segments.Add(new Segment(sequence + segments.Count, line, duration!.Value));
                duration = null;
                partIndex = 0;
            }
        }

        return new MediaPlaylistView(targetDuration, sequence, partTarget, holdBack, skipUntil, canBlock,
            segments.Where(s => s.Uri != "(skipped)").ToList(), parts, dates, hint);
    }

    private static string? Attribute(string line, string name)
    {
        var match = Regex.Match(line, $"[:,]{Regex.Escape(name)}=(\"[^\"]*\"|[^,]*)");
        return match.Success ? match.Groups[1].Value.Trim('"') : null;
    }

    private static double? Number(string? value) => value is null ? null : double.Parse(value, CultureInfo.InvariantCulture);
}
