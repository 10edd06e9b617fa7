using System.Buffers;
using System.Globalization;
using System.Text;
using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;

namespace OpenIvs.Media.Tests.Support;

/// <summary>Writes a segmenter's window to a folder the way an origin would serve it, plus test-only views.</summary>
public static class SegmenterOutput
{
    /// <summary>
    /// Writes init0.mp4 (fMP4), every segment and part, <c>playlist.m3u8</c> (the segmenter's own playlist),
    /// <c>parts.m3u8</c> (every part as a segment, to decode parts on their own) and <c>all.mp4</c>/<c>all.ts</c>
    /// (init + all segments concatenated).
    /// </summary>
    public static void WriteAll(string directory, HlsStreamSnapshot snapshot, HlsContainerFormat format)
    {
        Directory.CreateDirectory(directory);
        var extension = format == HlsContainerFormat.Fmp4 ? "mp4" : "ts";
        using var all = File.Create(Path.Combine(directory, "all." + extension));
        var parts = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n");
        var first = true;
        foreach (var segment in snapshot.Segments)
        {
            if (first && !segment.InitSegment.IsEmpty)
            {
                File.WriteAllBytes(Path.Combine(directory, $"init{segment.MapGeneration}.mp4"), segment.InitSegment.ToArray());
                all.Write(segment.InitSegment.Span);
                parts.Append(CultureInfo.InvariantCulture, $"#EXT-X-MAP:URI=\"init{segment.MapGeneration}.mp4\"\n");
            }

            first = false;
            Assert.True(snapshot.TryAcquireSegment(segment.MediaSequence, out var lease), $"segment {segment.MediaSequence}");
            using (lease)
            {
                var bytes = lease.Data.ToArray();
                File.WriteAllBytes(Path.Combine(directory, segment.Uri), bytes);
                all.Write(bytes);
            }

            for (var i = 0; i < segment.PartCount; i++)
            {
                var part = segment.GetPart(i);
                Assert.True(snapshot.TryAcquirePart(part.Sequence, out var partLease));
                using (partLease)
                {
                    File.WriteAllBytes(Path.Combine(directory, part.Uri), partLease.Data.ToArray());
                }

                parts.Append(CultureInfo.InvariantCulture, $"#EXTINF:{part.Duration:F5},\n{part.Uri}\n");
            }
        }

        parts.Append("#EXT-X-ENDLIST\n");
        File.WriteAllText(Path.Combine(directory, "parts.m3u8"), parts.ToString());
        File.WriteAllText(Path.Combine(directory, "playlist.m3u8"), Render(snapshot.Playlist));
    }

    public static string Render(MediaPlaylist playlist, bool deltaUpdate = false, IReadOnlyList<RenditionReport>? reports = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        MediaPlaylistWriter.Write(buffer, playlist, deltaUpdate, reports);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
