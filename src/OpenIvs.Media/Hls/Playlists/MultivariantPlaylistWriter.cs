using System.Buffers;

namespace OpenIvs.Media.Hls.Playlists;

/// <summary>Writes a <see cref="MultivariantPlaylist"/> as RFC 8216bis text.</summary>
public static class MultivariantPlaylistWriter
{
    public static void Write(IBufferWriter<byte> output, MultivariantPlaylist playlist)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(playlist);
        var w = new PlaylistTextWriter(output);
        w.WriteLine("#EXTM3U"u8);
        if (playlist.Version is { } version)
        {
            w.Write("#EXT-X-VERSION:"u8);
            w.Write(version);
            w.NewLine();
        }

        if (playlist.IndependentSegments)
        {
            w.WriteLine("#EXT-X-INDEPENDENT-SEGMENTS"u8);
        }

        for (var i = 0; i < playlist.SessionData.Count; i++)
        {
            // §4.4.6.4: DATA-ID required; exactly one of VALUE or URI.
            var data = playlist.SessionData[i];
            if ((data.Value is null) == (data.Uri is null))
            {
                throw new ArgumentException($"Session data {data.DataId} needs exactly one of VALUE or URI.");
            }

            w.Write("#EXT-X-SESSION-DATA:DATA-ID="u8);
            w.WriteQuoted(data.DataId);
            if (data.Value is not null)
            {
                w.Write(",VALUE="u8);
                w.WriteQuoted(data.Value);
            }
            else
            {
                w.Write(",URI="u8);
                w.WriteQuoted(data.Uri!);
            }

            if (data.Language is not null)
            {
                w.Write(",LANGUAGE="u8);
                w.WriteQuoted(data.Language);
            }

            w.NewLine();
        }

        for (var i = 0; i < playlist.Media.Count; i++)
        {
            var media = playlist.Media[i];
            w.Write("#EXT-X-MEDIA:TYPE="u8);
            w.Write(media.Type);
            w.Write(",GROUP-ID="u8);
            w.WriteQuoted(media.GroupId);
            w.Write(",NAME="u8);
            w.WriteQuoted(media.Name);
            if (media.Language is not null)
            {
                w.Write(",LANGUAGE="u8);
                w.WriteQuoted(media.Language);
            }

            if (media.Uri is not null)
            {
                w.Write(",URI="u8);
                w.WriteQuoted(media.Uri);
            }

            w.Write(",AUTOSELECT="u8);
            w.WriteYesNo(media.AutoSelect);
            w.Write(",DEFAULT="u8);
            w.WriteYesNo(media.Default);
            w.NewLine();
        }

        for (var i = 0; i < playlist.Variants.Count; i++)
        {
            var variant = playlist.Variants[i];

            // §4.4.6.2: BANDWIDTH is required; CODECS SHOULD be present; RESOLUTION SHOULD for video;
            // FRAME-RATE SHOULD be rounded to three decimal places.
            w.Write("#EXT-X-STREAM-INF:BANDWIDTH="u8);
            w.Write(variant.Bandwidth);
            if (variant.AverageBandwidth is { } average)
            {
                w.Write(",AVERAGE-BANDWIDTH="u8);
                w.Write(average);
            }

            if (variant.Codecs is not null)
            {
                w.Write(",CODECS="u8);
                w.WriteQuoted(variant.Codecs);
            }

            if (variant.Resolution is { } resolution)
            {
                w.Write(",RESOLUTION="u8);
                w.Write(resolution.Width);
                w.Write("x"u8);
                w.Write(resolution.Height);
            }

            if (variant.FrameRate is { } frameRate)
            {
                w.Write(",FRAME-RATE="u8);
                w.WriteDecimal(Math.Round(frameRate, 3), maxDecimals: 3, minDecimals: 3);
            }

            if (variant.Video is not null)
            {
                w.Write(",VIDEO="u8);
                w.WriteQuoted(variant.Video);
            }

            if (variant.Audio is not null)
            {
                w.Write(",AUDIO="u8);
                w.WriteQuoted(variant.Audio);
            }

            w.NewLine();
            w.Write(variant.Uri);
            w.NewLine();
        }
    }
}
