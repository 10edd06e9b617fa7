using System.Buffers;
using OpenIvs.Media.Fmp4.Boxes;

namespace OpenIvs.Media.Fmp4;

/// <summary>
/// Writes one CMAF fragment (a CMAF chunk: optional <c>styp</c>, <c>emsg</c> boxes, <c>moof</c>, <c>mdat</c>).
/// An LL-HLS partial segment is one such fragment; a whole segment is the concatenation of its parts' fragments.
/// </summary>
/// <remarks>
/// The <c>moof</c> size is computed before writing, so the header is written once into the output span and the
/// sample bytes are copied straight after it: no temporary buffers, no allocations.
/// Layout: <c>moof</c>{<c>mfhd</c>, per track <c>traf</c>{<c>tfhd</c>, <c>tfdt</c> v1, <c>trun</c> v1}}, then one
/// <c>mdat</c> with each track's samples contiguous in <c>traf</c> order.
/// </remarks>
public static class Fmp4FragmentWriter
{
    /// <summary>Size of the <c>moof</c> box for these runs.</summary>
    public static int GetMovieFragmentSize(ReadOnlySpan<Fmp4TrackRun> tracks)
    {
        var size = 8 + MovieFragmentHeaderBox.Size;
        foreach (ref readonly var track in tracks)
        {
            if (!track.Samples.IsEmpty)
            {
                size += 8 + TrackFragmentHeaderBox.Size + TrackFragmentDecodeTimeBox.Size
                    + TrackRunBox.GetSize(track.Samples.Length, track.WriteCompositionOffsets);
            }
        }

        return size;
    }

    /// <summary>Total bytes <see cref="Write"/> produces for these arguments.</summary>
    public static int GetSize(ReadOnlySpan<Fmp4TrackRun> tracks, ReadOnlySpan<Fmp4EventMessage> events, bool writeSegmentType)
    {
        var size = GetMovieFragmentSize(tracks) + 8 + (int)GetPayloadSize(tracks);
        foreach (ref readonly var message in events)
        {
            size += EventMessageBox.GetSize(message);
        }

        return size + (writeSegmentType ? FileTypeBox.SegmentTypeSize : 0);
    }

    /// <summary>Writes the fragment into <paramref name="output"/>.</summary>
    /// <param name="output">Destination.</param>
    /// <param name="sequenceNumber">The <c>mfhd</c> sequence number; increase it by one per fragment.</param>
    /// <param name="tracks">One run per track; empty runs are left out.</param>
    /// <param name="events">Event messages, written before <c>moof</c> as CMAF requires.</param>
    /// <param name="writeSegmentType">Prefix a <c>styp</c> (for the first fragment of a segment).</param>
    public static void Write(
        IBufferWriter<byte> output,
        uint sequenceNumber,
        ReadOnlySpan<Fmp4TrackRun> tracks,
        ReadOnlySpan<Fmp4EventMessage> events,
        bool writeSegmentType = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        var moofSize = GetMovieFragmentSize(tracks);
        var payloadSize = GetPayloadSize(tracks);
        if (moofSize + 8 + payloadSize > uint.MaxValue)
        {
            throw new ArgumentException("Fragment too large for a 32-bit mdat.", nameof(tracks));
        }

        var headerSize = moofSize + 8 + (writeSegmentType ? FileTypeBox.SegmentTypeSize : 0);
        foreach (ref readonly var message in events)
        {
            headerSize += EventMessageBox.GetSize(message);
        }

        var writer = new BoxWriter(output.GetSpan(headerSize));
        if (writeSegmentType)
        {
            FileTypeBox.WriteSegmentType(ref writer);
        }

        foreach (ref readonly var message in events)
        {
            EventMessageBox.Write(ref writer, message);
        }

        var moof = writer.BeginBox("moof"u8);
        MovieFragmentHeaderBox.Write(ref writer, sequenceNumber);
        var dataOffset = moofSize + 8; // first sample byte, relative to the start of moof
        foreach (ref readonly var track in tracks)
        {
            if (track.Samples.IsEmpty)
            {
                continue;
            }

            var traf = writer.BeginBox("traf"u8);
            TrackFragmentHeaderBox.Write(ref writer, track.TrackId);
            TrackFragmentDecodeTimeBox.Write(ref writer, track.BaseMediaDecodeTime);
            TrackRunBox.Write(ref writer, track.Samples.Span, track.WriteCompositionOffsets, dataOffset);
            writer.EndBox(traf);
            foreach (ref readonly var sample in track.Samples.Span)
            {
                dataOffset += sample.Data.Length;
            }
        }

        writer.EndBox(moof);
        writer.WriteUInt32((uint)(8 + payloadSize));
        writer.WriteBytes("mdat"u8);
        output.Advance(writer.Position);

        foreach (ref readonly var track in tracks)
        {
            foreach (ref readonly var sample in track.Samples.Span)
            {
                output.Write(sample.Data.Span);
            }
        }
    }

    private static long GetPayloadSize(ReadOnlySpan<Fmp4TrackRun> tracks)
    {
        long size = 0;
        foreach (ref readonly var track in tracks)
        {
            foreach (ref readonly var sample in track.Samples.Span)
            {
                size += sample.Data.Length;
            }
        }

        return size;
    }
}
