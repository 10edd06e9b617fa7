using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>
/// Which renditions of a transcoded stream a recording configuration's <c>renditionConfiguration</c> selects
/// (ivs-behavior.md 5.1): ALL (the default) every rung of the ladder, NONE none (thumbnails only), CUSTOM the rungs
/// in the listed height classes, and for a listed class the ladder lacks, the best rung there is.
/// </summary>
internal static class RecordedRenditions
{
    /// <summary>The names of the rungs to record, in ladder order.</summary>
    public static IReadOnlyList<string> Select(IReadOnlyList<LadderRung> ladder, RenditionConfiguration? configuration)
    {
        var selection = configuration?.RenditionSelection ?? RenditionConfigurationRenditionSelection.All;
        if (selection == RenditionConfigurationRenditionSelection.None)
        {
            return [];
        }

        if (selection != RenditionConfigurationRenditionSelection.Custom)
        {
            return [.. ladder.Select(r => r.Name)];
        }

        var video = ladder.Where(r => r.Kind != RungKind.AudioOnly).ToList();
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var wanted in configuration?.Renditions ?? [])
        {
            var (low, high) = HeightClass(wanted);
            var inClass = video.Where(r => r.ShortEdge >= low && r.ShortEdge <= high).ToList();
            if (inClass.Count == 0 && video.OrderByDescending(r => r.ShortEdge).FirstOrDefault() is { } best)
            {
                inClass.Add(best); // "If a selected rendition is unavailable, the best available rendition is recorded."
            }

            chosen.UnionWith(inClass.Select(r => r.Name));
        }

        return [.. ladder.Where(r => chosen.Contains(r.Name)).Select(r => r.Name)];
    }

    /// <summary>IVS's height classes of a rendition name (short edge in pixels).</summary>
    private static (int Low, int High) HeightClass(RenditionConfigurationRendition rendition) =>
        rendition == RenditionConfigurationRendition.LowestResolution ? (0, 360)
        : rendition == RenditionConfigurationRendition.Sd ? (361, 480)
        : rendition == RenditionConfigurationRendition.Hd ? (481, 720)
        : (721, int.MaxValue);
}
