using System.Buffers;

namespace OpenIvs.Media.Hls.Playlists;

/// <summary>
/// Writes a <see cref="MediaPlaylist"/> as RFC 8216bis text, optionally as a Playlist Delta Update.
/// Allocation-free apart from the output: write straight into the HTTP response's <c>PipeWriter</c>.
/// </summary>
public static class MediaPlaylistWriter
{
    /// <summary>
    /// §6.2.2: partial segments SHOULD be removed from the playlist once they are more than three target
    /// durations from its end. Parts are written for segments that start within this many target durations.
    /// </summary>
    public const double PartRetentionTargetDurations = 3;

    /// <summary>Writes the playlist.</summary>
    /// <param name="output">Destination (UTF-8, LF line endings, no BOM: §4.1).</param>
    /// <param name="playlist">The playlist.</param>
    /// <param name="deltaUpdate">
    /// The client asked for <c>_HLS_skip=YES</c>: replace the segments before the Skip Boundary with
    /// EXT-X-SKIP (§6.2.5.1). Ignored unless the server control declares CAN-SKIP-UNTIL.
    /// </param>
    /// <param name="renditionReports">Extra EXT-X-RENDITION-REPORT tags (the origin's other renditions).</param>
    public static void Write(IBufferWriter<byte> output, MediaPlaylist playlist, bool deltaUpdate = false, IReadOnlyList<RenditionReport>? renditionReports = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(playlist);
        var w = new PlaylistTextWriter(output);
        var segments = playlist.Segments;
        var skipped = deltaUpdate ? CountSkippable(playlist) : 0;

        w.WriteLine("#EXTM3U"u8);
        w.Write("#EXT-X-VERSION:"u8);
        w.Write(RequiredVersion(playlist, skipped));
        w.NewLine();

        // §4.4.3.1: an integer number of seconds.
        w.Write("#EXT-X-TARGETDURATION:"u8);
        w.Write(playlist.TargetDuration);
        w.NewLine();

        if (playlist.ServerControl is { } control)
        {
            WriteServerControl(w, control);
        }

        if (playlist.PartTarget is { } partTarget)
        {
            // §4.4.3.7: PART-TARGET is a decimal-floating-point number of seconds; REQUIRED when EXT-X-PART is present.
            w.Write("#EXT-X-PART-INF:PART-TARGET="u8);
            w.WriteDecimal(partTarget);
            w.NewLine();
        }

        w.Write("#EXT-X-MEDIA-SEQUENCE:"u8);
        w.Write(playlist.MediaSequence);
        w.NewLine();

        if (playlist.DiscontinuitySequence != 0)
        {
            w.Write("#EXT-X-DISCONTINUITY-SEQUENCE:"u8);
            w.Write(playlist.DiscontinuitySequence);
            w.NewLine();
        }

        if (playlist.Type is { } type)
        {
            w.WriteLine(type == PlaylistType.Event ? "#EXT-X-PLAYLIST-TYPE:EVENT"u8 : "#EXT-X-PLAYLIST-TYPE:VOD"u8);
        }

        if (playlist.IndependentSegments)
        {
            w.WriteLine("#EXT-X-INDEPENDENT-SEGMENTS"u8);
        }

        if (skipped > 0)
        {
            // §4.4.5.2: EXT-X-SKIP stands in for the first SKIPPED-SEGMENTS segments of the playlist.
            w.Write("#EXT-X-SKIP:SKIPPED-SEGMENTS="u8);
            w.Write(skipped);
            w.NewLine();
        }

        var partsFrom = FirstSegmentWithParts(playlist);
        var dateRanges = playlist.DateRanges;
        var nextRange = 0;
        MapTag? currentMap = null;
        for (var i = skipped; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Discontinuity)
            {
                w.WriteLine("#EXT-X-DISCONTINUITY"u8);
            }

            if (segment.Map is { } map && map != currentMap)
            {
                // §4.4.4.5: the map applies to every following segment until the next EXT-X-MAP.
                WriteMap(w, map);
                currentMap = map;
            }

            if (segment.ProgramDateTime is { } pdt)
            {
                w.Write("#EXT-X-PROGRAM-DATE-TIME:"u8);
                w.WriteDateTime(pdt);
                w.NewLine();
            }

            // Every date range up to this segment: those of segments skipped or gone too (§6.2.5.1: a delta
            // update without CAN-SKIP-DATERANGES keeps every EXT-X-DATERANGE of the playlist).
            var msn = playlist.MediaSequence + i;
            while (nextRange < dateRanges.Count && dateRanges[nextRange].MediaSequence <= msn)
            {
                WriteDateRange(w, dateRanges[nextRange++]);
            }

            if (segment.Gap)
            {
                w.WriteLine("#EXT-X-GAP"u8);
            }

            if (i >= partsFrom)
            {
                var parts = segment.Parts;
                for (var p = 0; p < parts.Count; p++)
                {
                    WritePart(w, parts[p]);
                }
            }

            if (segment.Uri is null)
            {
                continue; // incomplete parent segment: only its parts so far
            }

            if (segment.ByteRange is { } range)
            {
                w.Write("#EXT-X-BYTERANGE:"u8);
                WriteByteRange(w, range);
                w.NewLine();
            }

            // §4.4.4.1: EXTINF:<duration>,[<title>]; decimal-floating-point since version 3.
            w.Write("#EXTINF:"u8);
            w.WriteDecimal(segment.Duration);
            w.Write(","u8);
            if (segment.Title is { } title)
            {
                w.Write(title);
            }

            w.NewLine();
            w.Write(segment.Uri);
            w.NewLine();
        }

        while (nextRange < dateRanges.Count)
        {
            WriteDateRange(w, dateRanges[nextRange++]); // a range that starts after the last segment (a post-roll)
        }

        if (playlist.EndList)
        {
            w.WriteLine("#EXT-X-ENDLIST"u8);
        }

        var hints = playlist.PreloadHints;
        for (var i = 0; i < hints.Count && !playlist.EndList; i++)
        {
            WritePreloadHint(w, hints[i]);
        }

        WriteRenditionReports(w, playlist.RenditionReports);
        if (renditionReports is not null)
        {
            WriteRenditionReports(w, renditionReports);
        }
    }

    /// <summary>
    /// §6.2.5.1: segments may be skipped when they lie entirely before the Skip Boundary, which is
    /// CAN-SKIP-UNTIL seconds before the end of the playlist. Only complete segments are skipped and the last
    /// complete one never is, so a delta update always lists at least one segment.
    /// </summary>
    public static int CountSkippable(MediaPlaylist playlist)
    {
        ArgumentNullException.ThrowIfNull(playlist);
        if (playlist.ServerControl?.CanSkipUntil is not { } canSkipUntil || playlist.EndList)
        {
            return 0;
        }

        var segments = playlist.Segments;
        var total = TotalDuration(segments);
        var boundary = total - canSkipUntil;
        var elapsed = 0.0;
        var count = 0;
        for (var i = 0; i < segments.Count - 1 && segments[i].Uri is not null && segments[i + 1].Uri is not null; i++)
        {
            elapsed += segments[i].Duration;
            if (elapsed > boundary + 1e-9)
            {
                break;
            }

            count++;
        }

        return count;
    }

    private static int RequiredVersion(MediaPlaylist playlist, int skipped)
    {
        var version = Math.Max(playlist.Version, 3); // §7: floating-point EXTINF needs version 3
        var segments = playlist.Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].ByteRange is not null)
            {
                version = Math.Max(version, 4); // §7: EXT-X-BYTERANGE
            }

            if (segments[i].Map is not null)
            {
                version = Math.Max(version, 6); // §7: EXT-X-MAP without EXT-X-I-FRAMES-ONLY
            }
        }

        return skipped > 0 ? Math.Max(version, 9) : version; // §7: EXT-X-SKIP
    }

    private static int FirstSegmentWithParts(MediaPlaylist playlist)
    {
        var segments = playlist.Segments;
        var limit = PartRetentionTargetDurations * playlist.TargetDuration;
        var fromEnd = 0.0;
        var first = segments.Count;
        for (var i = segments.Count - 1; i >= 0; i--)
        {
            fromEnd += SegmentDuration(segments[i]);
            if (fromEnd > limit + 1e-9)
            {
                break;
            }

            first = i;
        }

        return first;
    }

    private static double TotalDuration(IReadOnlyList<MediaSegment> segments)
    {
        var total = 0.0;
        for (var i = 0; i < segments.Count; i++)
        {
            total += SegmentDuration(segments[i]);
        }

        return total;
    }

    private static double SegmentDuration(MediaSegment segment)
    {
        if (segment.Uri is not null)
        {
            return segment.Duration;
        }

        var sum = 0.0;
        for (var p = 0; p < segment.Parts.Count; p++)
        {
            sum += segment.Parts[p].Duration;
        }

        return sum;
    }

    private static void WriteServerControl(PlaylistTextWriter w, ServerControl control)
    {
        w.Write("#EXT-X-SERVER-CONTROL:"u8);
        var first = true;
        if (control.CanBlockReload)
        {
            w.Write("CAN-BLOCK-RELOAD=YES"u8);
            first = false;
        }

        WriteDecimalAttribute(w, ref first, "CAN-SKIP-UNTIL="u8, control.CanSkipUntil);
        if (control.CanSkipDateRanges)
        {
            w.Write(first ? "CAN-SKIP-DATERANGES=YES"u8 : ",CAN-SKIP-DATERANGES=YES"u8);
            first = false;
        }

        WriteDecimalAttribute(w, ref first, "HOLD-BACK="u8, control.HoldBack);
        WriteDecimalAttribute(w, ref first, "PART-HOLD-BACK="u8, control.PartHoldBack);
        w.NewLine();
    }

    private static void WriteDecimalAttribute(PlaylistTextWriter w, ref bool first, ReadOnlySpan<byte> name, double? value)
    {
        if (value is not { } v)
        {
            return;
        }

        if (!first)
        {
            w.Write(","u8);
        }

        w.Write(name);
        w.WriteDecimal(v);
        first = false;
    }

    private static void WriteMap(PlaylistTextWriter w, MapTag map)
    {
        w.Write("#EXT-X-MAP:URI="u8);
        w.WriteQuoted(map.Uri);
        if (map.ByteRange is { } range)
        {
            w.Write(",BYTERANGE=\""u8);
            WriteByteRange(w, range);
            w.Write("\""u8);
        }

        w.NewLine();
    }

    private static void WriteDateRange(PlaylistTextWriter w, DateRange range)
    {
        // §4.4.5.1: ID and START-DATE are required; SCTE35-OUT/IN are hexadecimal-sequences (§4.4.5.1.1).
        w.Write("#EXT-X-DATERANGE:ID="u8);
        w.WriteQuoted(range.Id);
        if (range.Class is { } cls)
        {
            w.Write(",CLASS="u8);
            w.WriteQuoted(cls);
        }

        w.Write(",START-DATE=\""u8);
        w.WriteDateTime(range.StartDate);
        w.Write("\""u8);
        if (range.Duration is { } duration)
        {
            w.Write(",DURATION="u8);
            w.WriteDecimal(duration);
        }

        if (range.PlannedDuration is { } planned)
        {
            w.Write(",PLANNED-DURATION="u8);
            w.WriteDecimal(planned);
        }

        if (!range.Scte35Out.IsEmpty)
        {
            w.Write(",SCTE35-OUT="u8);
            w.WriteHex(range.Scte35Out.Span);
        }

        if (!range.Scte35In.IsEmpty)
        {
            w.Write(",SCTE35-IN="u8);
            w.WriteHex(range.Scte35In.Span);
        }

        w.NewLine();
    }

    private static void WritePart(PlaylistTextWriter w, PartialSegment part)
    {
        // §4.4.4.9: DURATION and URI are required; INDEPENDENT=YES when the part starts with an independent frame.
        w.Write("#EXT-X-PART:DURATION="u8);
        w.WriteDecimal(part.Duration);
        w.Write(",URI="u8);
        w.WriteQuoted(part.Uri);
        if (part.Independent)
        {
            w.Write(",INDEPENDENT=YES"u8);
        }

        if (part.ByteRange is { } range)
        {
            w.Write(",BYTERANGE=\""u8);
            WriteByteRange(w, range);
            w.Write("\""u8);
        }

        if (part.Gap)
        {
            w.Write(",GAP=YES"u8);
        }

        w.NewLine();
    }

    private static void WritePreloadHint(PlaylistTextWriter w, PreloadHint hint)
    {
        // §4.4.5.3: TYPE and URI required; BYTERANGE-START/LENGTH optional.
        w.Write(hint.Type == PreloadHintType.Part ? "#EXT-X-PRELOAD-HINT:TYPE=PART,URI="u8 : "#EXT-X-PRELOAD-HINT:TYPE=MAP,URI="u8);
        w.WriteQuoted(hint.Uri);
        if (hint.ByteRangeStart is { } start)
        {
            w.Write(",BYTERANGE-START="u8);
            w.Write(start);
        }

        if (hint.ByteRangeLength is { } length)
        {
            w.Write(",BYTERANGE-LENGTH="u8);
            w.Write(length);
        }

        w.NewLine();
    }

    private static void WriteRenditionReports(PlaylistTextWriter w, IReadOnlyList<RenditionReport> reports)
    {
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            w.Write("#EXT-X-RENDITION-REPORT:URI="u8);
            w.WriteQuoted(report.Uri);
            if (report.LastMediaSequence is { } msn)
            {
                w.Write(",LAST-MSN="u8);
                w.Write(msn);
            }

            if (report.LastPart is { } part)
            {
                w.Write(",LAST-PART="u8);
                w.Write(part);
            }

            w.NewLine();
        }
    }

    private static void WriteByteRange(PlaylistTextWriter w, ByteRange range)
    {
        w.Write(range.Length);
        if (range.Offset is { } offset)
        {
            w.Write("@"u8);
            w.Write(offset);
        }
    }
}
