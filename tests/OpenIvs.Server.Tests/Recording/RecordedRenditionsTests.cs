using OpenIvs.Protocol.Model;
using OpenIvs.Server.Recording;
using OpenIvs.Server.Transcoding;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>renditionConfiguration against IVS's ladders (ivs-behavior.md 5.1): ALL, NONE, CUSTOM and the best available rendition.</summary>
public class RecordedRenditionsTests
{
    [Theory]
    [InlineData("ALL", "", 1920, 1080, "1080p30 720p30 480p30 360p30 160p30")]
    [InlineData("NONE", "", 1920, 1080, "")]
    [InlineData("CUSTOM", "HD", 1920, 1080, "720p30")]
    [InlineData("CUSTOM", "FULL_HD,LOWEST_RESOLUTION", 1920, 1080, "1080p30 360p30 160p30")]
    [InlineData("CUSTOM", "SD", 1920, 1080, "480p30")]
    [InlineData("CUSTOM", "FULL_HD", 1280, 720, "720p30")] // no 1080p: the best there is
    [InlineData("CUSTOM", "HD,SD", 640, 360, "360p30")] // neither: the best there is, once
    [InlineData("CUSTOM", "", 1920, 1080, "")]
    public void SelectsRungsByHeightClass(string selection, string renditions, int width, int height, string expected)
    {
        var ladder = TranscodeLadder.For(ChannelType.Standard, null, width, height, 30);
        var configuration = new RenditionConfiguration
        {
            RenditionSelection = new RenditionConfigurationRenditionSelection(selection),
            Renditions = [.. renditions.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => new RenditionConfigurationRendition(r))],
        };

        Assert.Equal(expected, string.Join(' ', RecordedRenditions.Select(ladder, configuration)));
    }

    [Fact]
    public void ThePlanSeparatesTheSourceFromTranscodedRungs()
    {
        var ladder = TranscodeLadder.For(ChannelType.Standard, null, 1920, 1080, 30);
        var all = RecordingPlan.For(ladder, null);
        Assert.True(all.Source);
        Assert.Equal(["160p30", "360p30", "480p30", "720p30"], all.Rungs.Order(StringComparer.Ordinal));
        Assert.Equal(["1080p30", "720p30", "480p30", "360p30", "160p30"], all.Planned(null, "1080p30").Select(p => p.Name));

        var hd = RecordingPlan.For(ladder, new RenditionConfiguration { RenditionSelection = RenditionConfigurationRenditionSelection.Custom, Renditions = [RenditionConfigurationRendition.Hd] });
        Assert.False(hd.Source);
        Assert.Equal(["720p30"], hd.Rungs);

        var none = RecordingPlan.For(ladder, new RenditionConfiguration { RenditionSelection = RenditionConfigurationRenditionSelection.None });
        Assert.False(none.Source);
        Assert.Empty(none.Rungs);
        Assert.Empty(none.Planned(null, "1080p30"));

        // A ladder of one rung (an ADVANCED input below 160p): that rung, whatever the configuration says.
        var single = RecordingPlan.For([ladder[^1]], new RenditionConfiguration { RenditionSelection = RenditionConfigurationRenditionSelection.None });
        Assert.Equal(["160p30"], single.Rungs);

        // Not transcoded (BASIC, or transcoding off): the source, whatever the configuration says.
        var basic = RecordingPlan.For(null, new RenditionConfiguration { RenditionSelection = RenditionConfigurationRenditionSelection.None });
        Assert.True(basic.Source);
        Assert.Empty(basic.Rungs);
    }
}
