using System.Buffers;
using System.Text;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Media.Tests.Fmp4;

namespace OpenIvs.Media.Tests.Hls.Playlists;

public class MultivariantPlaylistWriterTests
{
    [Fact]
    public void WritesSessionDataMediaAndVariants()
    {
        var playlist = new MultivariantPlaylist
        {
            IndependentSegments = true,
            SessionData = [new SessionData("net.live-video.content.id", "2rrcA103rn67")],
            Media = [new AlternativeMedia { Type = "VIDEO", GroupId = "720p30", Name = "720p", AutoSelect = true, Default = true }],
            Variants =
            [
                new VariantStream
                {
                    Uri = "720p30/playlist.m3u8",
                    Bandwidth = 2440200,
                    AverageBandwidth = 2300000,
                    Codecs = CodecsAttribute.Format(Fmp4InitSegmentWriterTests.Video, Fmp4InitSegmentWriterTests.Audio),
                    Resolution = new Resolution(1280, 720),
                    FrameRate = 29.97002997,
                    Video = "720p30",
                },
            ],
        };
        var output = new ArrayBufferWriter<byte>();
        MultivariantPlaylistWriter.Write(output, playlist);
        const string expected = """
            #EXTM3U
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-SESSION-DATA:DATA-ID="net.live-video.content.id",VALUE="2rrcA103rn67"
            #EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="720p30",NAME="720p",AUTOSELECT=YES,DEFAULT=YES
            #EXT-X-STREAM-INF:BANDWIDTH=2440200,AVERAGE-BANDWIDTH=2300000,CODECS="avc1.64001E,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=29.970,VIDEO="720p30"
            720p30/playlist.m3u8

            """;
        Assert.Equal(expected.Replace("\r\n", "\n"), Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void SessionDataNeedsExactlyOneOfValueOrUri()
    {
        var playlist = new MultivariantPlaylist { SessionData = [new SessionData("x")] };
        Assert.Throws<ArgumentException>(() => MultivariantPlaylistWriter.Write(new ArrayBufferWriter<byte>(), playlist));
    }
}
