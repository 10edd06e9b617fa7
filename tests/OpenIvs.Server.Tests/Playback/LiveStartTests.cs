using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Server.Playback;

namespace OpenIvs.Server.Tests.Playback;

public class LiveStartTests
{
    private const double Part = 1 / 3.0; // ten 30 fps frames

    /// <summary>A playlist with PART-HOLD-BACK 0.72 s whose segments hold these parts ('I' independent, 'p' not).</summary>
    private static MediaPlaylist Playlist(params string[] segments) => new()
    {
        PartTarget = 0.36,
        ServerControl = new ServerControl(CanBlockReload: true, PartHoldBack: 0.72),
        Segments = segments.Select((parts, i) => new MediaSegment
        {
            Uri = i < segments.Length - 1 ? $"seg{i}.m4s" : null,
            Duration = parts.Length * Part,
            Parts = parts.Select((kind, p) => new PartialSegment($"part{i}.{p}", Part, Independent: kind == 'I')).ToList(),
        }).ToList(),
    };

    [Theory]
    [InlineData(0, "Ipp", "Ipp")]          // 0.72 s back from the end is in the second keyframe's part
    [InlineData(1, "Ipp", "Ipp", "I")]     // in the part after a keyframe
    [InlineData(2, "Ipp", "Ip")]           // two parts after it, in the previous segment
    [InlineData(5, "Ippppp", "Ip")]       // a 2 s keyframe interval: five parts after the previous segment's keyframe
    [InlineData(0, "Ippppp", "Ipp")]
    public void CountsThePartsAPlayerLoadsBeforeItsStartPosition(int expected, params string[] segments) =>
        Assert.Equal(expected, LiveStart.PartsBeforeStart(Playlist(segments)));

    [Fact]
    public void UnknownWithoutHoldBackOrWithoutEnoughParts()
    {
        Assert.Null(LiveStart.PartsBeforeStart(Playlist("Ip")));
        Assert.Null(LiveStart.PartsBeforeStart(Playlist("Ipp", "Ipp") with { ServerControl = null }));
        Assert.Null(LiveStart.PartsBeforeStart(Playlist("", "Ip")));
    }
}
