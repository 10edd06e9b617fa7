using OpenIvs.Media.Hls.Packaging;
using OpenIvs.Media.Hls.Playlists;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Playback;

/// <summary>
/// The variants of a live stream's multivariant playlist: the channel's ladder (docs/transcoding.md) in order,
/// each rung once it has a complete segment, as IVS lists them: the source in group <c>chunked</c>, transcoded
/// rungs in a group named after them (<c>480p30</c>), the audio-only rendition in <c>audio_only</c>.
/// </summary>
internal static class HlsVariantList
{
    /// <summary>How long a new stream's multivariant playlist waits for every rung before listing the ready ones.</summary>
    public static readonly TimeSpan RenditionWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The renditions to offer, highest first: null while rungs are still starting (answer 404 as before the first
    /// segment), empty when none is within <paramref name="maximumShortEdge"/>. Rungs whose transcoder has given up
    /// are left out; with no transcoded rung at all the source is offered.
    /// </summary>
    public static IReadOnlyList<Entry>? Choose(HlsRendition source, int? maximumShortEdge, TimeSpan streamAge)
    {
        var stream = source.Stream;
        var entries = new List<Entry>();
        var pending = false;
        if (stream.Ladder is { } ladder)
        {
            foreach (var rung in ladder)
            {
                var rendition = rung.Kind == RungKind.Source ? source : source.Variants.GetValueOrDefault(rung.Name);
                if (rendition is not null && IsReady(rendition))
                {
                    entries.Add(new Entry(rendition, rung));
                }
                else
                {
                    pending |= rendition is null || rendition.EndedAt is null;
                }
            }
        }

        if (pending && streamAge < RenditionWait)
        {
            return null;
        }

        if (!entries.Exists(e => e.Rung.Kind != RungKind.AudioOnly))
        {
            // Not transcoded (BASIC, transcoding off, a codec ffmpeg is not fed), or every rung failed: the source.
            var video = stream.Video;
            var frameRate = video?.FrameRate ?? (stream.Metrics.FrameRate > 0 ? stream.Metrics.FrameRate : 0);
            entries = [new Entry(source, new LadderRung(
                video is null ? "source" : $"{Math.Min(video.Width, video.Height)}p{(frameRate > 31 ? 60 : 30)}",
                video?.Width ?? 0, video?.Height ?? 0, frameRate, 0, null, RungKind.Source))];
        }

        entries.RemoveAll(e => maximumShortEdge is { } maximum && e.Rung.Kind != RungKind.AudioOnly && e.Rung.ShortEdge > maximum);
        return entries.Exists(e => e.Rung.Kind != RungKind.AudioOnly) ? entries : [];
    }

    /// <summary>The multivariant playlist of <paramref name="entries"/>; <paramref name="uriOf"/> gives each one's media playlist URI.</summary>
    public static MultivariantPlaylist Build(IReadOnlyList<Entry> entries, Func<Entry, string> uriOf)
    {
        var media = new List<AlternativeMedia>();
        var variants = new List<VariantStream>();
        foreach (var entry in entries)
        {
            var (rendition, rung) = entry;
            var stream = rendition.Stream;
            var snapshot = rendition.Snapshot!;
            var video = rendition.Rendition is { } transcoded ? transcoded.Video : stream.Video;
            var audio = rendition.Rendition is { } withAudio ? withAudio.Audio : stream.Audio;
            var measured = Math.Max(snapshot.PeakBitrate, BitrateOfParts(snapshot));
            var (group, name) = rung.Kind switch
            {
                RungKind.Source => ("chunked", rung.Name + " (source)"),
                RungKind.AudioOnly => ("audio_only", "Audio Only"),
                _ => (rung.Name, rung.Name.EndsWith("p30", StringComparison.Ordinal) ? rung.Name[..^2] : rung.Name),
            };
            var isDefault = variants.Count == 0;
            var hasGroup = video is not null || rung.Kind == RungKind.AudioOnly; // a source without video (audio only) has none
            if (hasGroup)
            {
                media.Add(new AlternativeMedia { Type = "VIDEO", GroupId = group, Name = name, AutoSelect = rung.Kind != RungKind.AudioOnly, Default = isDefault });
            }

            variants.Add(new VariantStream
            {
                Uri = uriOf(entry),
                Bandwidth = Math.Max(1, rung.Kind == RungKind.Source ? Math.Max(measured, stream.Metrics.TotalBitrate) : Math.Max(measured, rung.NominalBandwidth)),
                AverageBandwidth = snapshot.AverageBitrate > 0 ? snapshot.AverageBitrate : rung.Kind is RungKind.Source or RungKind.Track ? null : rung.NominalBandwidth,
                Codecs = CodecsAttribute.Format(video, audio),
                Resolution = video is null ? null : new Resolution(video.Width, video.Height),
                FrameRate = video is null || rung.FrameRate <= 0 ? null : rung.FrameRate,
                Video = hasGroup ? group : null,
            });
        }

        return new MultivariantPlaylist { IndependentSegments = true, Media = media, Variants = variants };
    }

    private static bool IsReady(HlsRendition rendition) =>
        rendition.EndedAt is null && rendition.Snapshot is { } snapshot
        && snapshot.Segments.Length > 0 && snapshot.Satisfies(snapshot.Segments[0].MediaSequence, null);

    /// <summary>Bits per second of the parts in the window: the only measure in the first seconds of a stream.</summary>
    private static long BitrateOfParts(HlsStreamSnapshot snapshot)
    {
        long bytes = 0;
        double seconds = 0;
        foreach (var segment in snapshot.Segments)
        {
            var parts = segment.PartCount;
            for (var i = 0; i < parts; i++)
            {
                var part = segment.GetPart(i);
                bytes += part.Length;
                seconds += part.Duration;
            }
        }

        return seconds > 0 ? (long)(bytes * 8 / seconds) : 0;
    }

    /// <summary>One variant: the packaged rendition and the rung it stands for.</summary>
    public readonly record struct Entry(HlsRendition Rendition, LadderRung Rung);
}
