using OpenIvs.Server.Playback;

namespace OpenIvs.Server.Tests.Playback;

public class PlaybackOptionsTests
{
    [Fact]
    public void PartHoldBackDefaultsToTwoPartsAndStaysWithinRfc8216bis()
    {
        var options = new PlaybackOptions();
        Assert.Equal(2, options.PartHoldBackParts); // 0.72 s at the 0.36 s part target (docs/playback.md)
        Assert.True(options.AlignPlaylistToParts);
        Assert.True(options.StartAtKeyframes);
        Assert.True(options.ClosePartsOnLastFrame);
        Assert.Empty(options.Validate());

        foreach (var parts in new[] { 1.99, 10.5, double.NaN })
        {
            options.PartHoldBackParts = parts;
            Assert.Contains(options.Validate(), problem => problem.Contains("PartHoldBackParts", StringComparison.Ordinal));
        }

        options.PartHoldBackParts = 3;
        Assert.Empty(options.Validate());
    }
}
