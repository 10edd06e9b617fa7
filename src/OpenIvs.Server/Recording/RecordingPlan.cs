using OpenIvs.Media.Frames;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Recording;

/// <summary>
/// What a recording takes from one stream: the source rendition or not, and which transcoded rungs (by name).
/// A stream with one rendition records it whatever the configuration says (as IVS does for BASIC channels).
/// </summary>
internal sealed record RecordingPlan(bool Source, IReadOnlyList<LadderRung> Ladder, IReadOnlySet<string> Rungs)
{
    /// <summary>A stream that is not transcoded: its source, the only rendition there is.</summary>
    public static RecordingPlan SourceOnly { get; } = new(true, [], new HashSet<string>());

    public static RecordingPlan For(IReadOnlyList<LadderRung>? ladder, RenditionConfiguration? configuration)
    {
        if (ladder is not { Count: > 0 })
        {
            return SourceOnly;
        }

        var selected = ladder.Count == 1 ? [ladder[0].Name] : RecordedRenditions.Select(ladder, configuration);
        var source = ladder.FirstOrDefault(r => r.Kind == RungKind.Source);
        return new RecordingPlan(
            source is not null && selected.Contains(source.Name), ladder, selected.Where(n => n != source?.Name).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The renditions recording-started.json announces, in ladder order (the source at its size).</summary>
    public IReadOnlyList<(string Name, int Width, int Height)> Planned(VideoTrackInfo? video, string sourceName)
    {
        if (Ladder.Count == 0)
        {
            return [(sourceName, video?.Width ?? 0, video?.Height ?? 0)];
        }

        return [.. Ladder
            .Where(r => r.Kind == RungKind.Source ? Source : Rungs.Contains(r.Name))
            .Select(r => r.Kind == RungKind.Source ? (sourceName, video?.Width ?? r.Width, video?.Height ?? r.Height) : (r.Name, r.Width, r.Height))];
    }
}
