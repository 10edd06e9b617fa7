using System.Buffers;
using OpenIvs.Media.Fmp4.Boxes;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Fmp4;

/// <summary>
/// Writes a CMAF initialization segment: <c>ftyp</c> + <c>moov</c> (<c>mvhd</c>, one <c>trak</c> per track,
/// <c>mvex</c>/<c>trex</c>). Video is track <see cref="VideoTrackId"/> (timescale 90 kHz), audio is track
/// <see cref="AudioTrackId"/> (timescale = sample rate).
/// </summary>
/// <remarks>
/// <para><b>Muxed, not demuxed.</b> One init segment declares both tracks and every fragment carries a
/// <c>traf</c> per track. For a single LL-HLS rendition this is what hls.js and Safari handle with the fewest
/// moving parts: one media playlist means one blocking playlist reload and one part request per part
/// (demuxed audio doubles both and the two playlists' part boundaries have to be kept aligned), audio and video
/// of a part arrive together so neither buffer can run ahead, and it matches IVS's own output (muxed TS, one
/// playlist per rendition). Apple's authoring guidance prefers demuxed audio only when several video
/// renditions share one audio rendition, which a pass-through origin does not have.</para>
/// </remarks>
public static class Fmp4InitSegmentWriter
{
    public const uint VideoTrackId = 1;
    public const uint AudioTrackId = 2;

    /// <summary>Video media timescale (ticks per second).</summary>
    public const uint VideoTimescale = 90_000;

    /// <summary>Exact size of the init segment for these tracks.</summary>
    public static int GetSize(VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        var moov = 8 + MovieHeaderBox.Size + 8;
        if (video is not null)
        {
            moov += GetTrackSize(false, VisualSampleEntryBox.GetSize(video)) + TrackExtendsBox.Size;
        }

        if (audio is not null)
        {
            moov += GetTrackSize(true, AudioSampleEntryBox.GetSize(audio)) + TrackExtendsBox.Size;
        }

        return FileTypeBox.InitSize + moov;
    }

    /// <summary>Writes the init segment into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (video is null && audio is null)
        {
            throw new ArgumentException("At least one track is required.");
        }

        var size = GetSize(video, audio);
        var writer = new BoxWriter(output.GetSpan(size));
        FileTypeBox.WriteFileType(ref writer);

        var moov = writer.BeginBox("moov"u8);
        MovieHeaderBox.Write(ref writer, nextTrackId: AudioTrackId + 1);
        if (video is not null)
        {
            WriteTrack(ref writer, video, null);
        }

        if (audio is not null)
        {
            WriteTrack(ref writer, null, audio);
        }

        var mvex = writer.BeginBox("mvex"u8);
        if (video is not null)
        {
            TrackExtendsBox.Write(ref writer, VideoTrackId);
        }

        if (audio is not null)
        {
            TrackExtendsBox.Write(ref writer, AudioTrackId);
        }

        writer.EndBox(mvex);
        writer.EndBox(moov);
        System.Diagnostics.Debug.Assert(writer.Position == size, "init segment size mismatch");
        output.Advance(writer.Position);
    }

    private static int GetTrackSize(bool isAudio, int sampleEntrySize)
    {
        var stbl = 8 + 16 + sampleEntrySize + EmptySampleTableBoxes.Size;
        var minf = 8 + MediaInformationHeaderBox.GetSize(isAudio) + DataInformationBox.Size + stbl;
        var mdia = 8 + MediaHeaderBox.Size + HandlerBox.GetSize(isAudio) + minf;
        return 8 + TrackHeaderBox.Size + mdia;
    }

    /// <summary>One track, video or audio: trak > mdia > minf > stbl > stsd with its one sample entry, and empty sample tables.</summary>
    private static void WriteTrack(ref BoxWriter writer, VideoTrackInfo? video, AudioTrackInfo? audio)
    {
        var isAudio = audio is not null;
        var trak = writer.BeginBox("trak"u8);
        TrackHeaderBox.Write(ref writer, isAudio ? AudioTrackId : VideoTrackId, isAudio, video?.Width ?? 0, video?.Height ?? 0);
        var mdia = writer.BeginBox("mdia"u8);
        MediaHeaderBox.Write(ref writer, audio is not null ? (uint)audio.SampleRate : VideoTimescale);
        HandlerBox.Write(ref writer, isAudio);
        var minf = writer.BeginBox("minf"u8);
        MediaInformationHeaderBox.Write(ref writer, isAudio);
        DataInformationBox.Write(ref writer);
        var stbl = writer.BeginBox("stbl"u8);
        var stsd = writer.BeginFullBox("stsd"u8, 0, 0);
        writer.WriteUInt32(1); // entry_count
        if (audio is not null)
        {
            AudioSampleEntryBox.Write(ref writer, audio);
        }
        else
        {
            VisualSampleEntryBox.Write(ref writer, video!);
        }

        writer.EndBox(stsd);
        EmptySampleTableBoxes.Write(ref writer);
        writer.EndBox(stbl);
        writer.EndBox(minf);
        writer.EndBox(mdia);
        writer.EndBox(trak);
    }
}
