using System.Buffers;
using System.Buffers.Binary;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.MpegTs;

/// <summary>
/// An MPEG-2 transport stream demuxer for live ingest (SRT): finds the first program through the PAT and PMT, takes its
/// H.264 (stream_type 0x1B) and ADTS AAC (0x0F) streams, reassembles their PES packets, and turns them into what RTMP
/// ingest delivers: <see cref="VideoTrackInfo"/>/<see cref="AudioTrackInfo"/> built from in-band SPS/PPS and ADTS
/// headers, and pooled <see cref="MediaFrame"/>s (AVCC video with 4-byte lengths, raw AAC) stamped in milliseconds.
/// </summary>
/// <remarks>
/// <para>Bytes go in with <see cref="Write(ReadOnlySpan{byte})"/> split anywhere; results come out of
/// <see cref="TryRead"/> in stream order. Damage is survived, never thrown: packets are re-synchronised on the sync
/// byte, a continuity counter gap (ISO/IEC 13818-1 §2.4.3.3) drops the PES it broke (video then waits for the next
/// IDR), and an unreadable PES or ADTS frame is dropped and counted. Only a stream that cannot be ingested at all (a
/// video or audio codec other than H.264/AAC, an unreadable SPS) throws <see cref="MediaFormatException"/>.</para>
/// <para>Time stamps are 33-bit 90 kHz values unwrapped to 64 bits against the last one seen (either track), so A/V
/// stay aligned across the 26.5-hour wrap; milliseconds count from one second before the first time stamp.</para>
/// <para>PES buffers are pooled and grow only to the largest access unit; no allocation per packet. Not thread-safe.</para>
/// </remarks>
public sealed partial class TsDemuxer : IDisposable
{
    private const int NullPid = 0x1FFF;
    private const long WrapModulus = 1L << 33;
    private const long MaxSectionLength = 1024;

    private readonly TsDemuxerLimits _limits;
    private readonly ArrayPool<byte> _pool;
    private readonly Queue<TsDemuxedItem> _output = new();
    private readonly byte[] _partial = new byte[TsPacket.Size];
    private readonly Section _pat = new();
    private readonly Section _pmt = new();
    private readonly ElementaryStream _video = new();
    private readonly ElementaryStream _audio = new();
    private int _partialLength;
    private int _pmtPid = -1;
    private long _lastTimestamp = long.MinValue;
    private long _base90;
    private bool _disposed;

    public TsDemuxer(TsDemuxerLimits? limits = null, ArrayPool<byte>? pool = null)
    {
        _limits = limits ?? new TsDemuxerLimits();
        _pool = pool ?? ArrayPool<byte>.Shared;
    }

    /// <summary>Transport packets that could not be used (lost sync, transport_error_indicator, bad adaptation field).</summary>
    public long DroppedPackets { get; private set; }

    /// <summary>Continuity counter gaps seen on the audio and video PIDs.</summary>
    public long Discontinuities { get; private set; }

    /// <summary>PES packets dropped: broken by a gap, over the limit, unreadable, or video before a usable keyframe.</summary>
    public long DroppedUnits { get; private set; }

    /// <summary>The current video configuration, once in-band SPS and PPS were seen.</summary>
    public VideoTrackInfo? VideoTrack { get; private set; }

    /// <summary>The current audio configuration, once an ADTS header was seen.</summary>
    public AudioTrackInfo? AudioTrack { get; private set; }

    /// <summary>Feeds transport stream bytes; packets may be split anywhere across calls.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!data.IsEmpty)
        {
            if (_partialLength > 0)
            {
                var take = Math.Min(TsPacket.Size - _partialLength, data.Length);
                data[..take].CopyTo(_partial.AsSpan(_partialLength));
                _partialLength += take;
                data = data[take..];
                if (_partialLength == TsPacket.Size)
                {
                    _partialLength = 0;
                    ReadPacket(_partial);
                }

                continue;
            }

            if (data[0] != TsPacket.SyncByte || (data.Length > TsPacket.Size && data[TsPacket.Size] != TsPacket.SyncByte))
            {
                // Out of sync (or a stray 0x47 not followed by another packet): skip to the next candidate.
                var next = data[1..].IndexOf(TsPacket.SyncByte);
                DroppedPackets++;
                data = next < 0 ? default : data[(next + 1)..];
                continue;
            }

            if (data.Length < TsPacket.Size)
            {
                data.CopyTo(_partial);
                _partialLength = data.Length;
                return;
            }

            ReadPacket(data[..TsPacket.Size]);
            data = data[TsPacket.Size..];
        }
    }

    /// <inheritdoc cref="Write(ReadOnlySpan{byte})"/>
    public void Write(in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            Write(segment.Span);
        }
    }

    /// <summary>Ends the stream: a video PES of unbounded length still being assembled is complete now.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_video.Active && _video.DeclaredLength == 0)
        {
            Complete(_video);
        }
    }

    /// <summary>Takes the next configuration or frame; the caller owns the frame's reference.</summary>
    public bool TryRead(out TsDemuxedItem item) => _output.TryDequeue(out item);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        while (_output.TryDequeue(out var item))
        {
            item.Frame?.Release();
        }

        _video.Return(_pool);
        _audio.Return(_pool);
        ReturnScratch();
    }

    private void ReadPacket(ReadOnlySpan<byte> packet)
    {
        var pid = (packet[1] & 0x1F) << 8 | packet[2];
        var control = (packet[3] >> 4) & 0x03;
        if ((packet[1] & 0x80) != 0 || control == 0)
        {
            DroppedPackets++; // transport_error_indicator, or the reserved adaptation_field_control
            return;
        }

        if (pid == NullPid)
        {
            return;
        }

        var offset = TsPacket.HeaderSize;
        var discontinuity = false;
        if ((control & 0x02) != 0)
        {
            var length = packet[4];
            if (length > (control == 0x03 ? 182 : 183))
            {
                DroppedPackets++;
                return;
            }

            discontinuity = length > 0 && (packet[5] & 0x80) != 0;
            offset += 1 + length;
        }

        if ((control & 0x01) == 0)
        {
            return; // adaptation field only (PCR, stuffing)
        }

        var start = (packet[1] & 0x40) != 0;
        var counter = packet[3] & 0x0F;
        var payload = packet[offset..];
        if (pid == TsPid.ProgramAssociation)
        {
            ReadSection(_pat, payload, start);
        }
        else if (pid == _pmtPid)
        {
            ReadSection(_pmt, payload, start);
        }
        else if (pid == _video.Pid)
        {
            ReadElementary(_video, payload, start, counter, discontinuity);
        }
        else if (pid == _audio.Pid)
        {
            ReadElementary(_audio, payload, start, counter, discontinuity);
        }
    }

    /// <summary>Collects one PSI section (PAT or PMT), which may span packets; the first section of a PID is the only one used.</summary>
    private void ReadSection(Section section, ReadOnlySpan<byte> payload, bool start)
    {
        if (start)
        {
            if (payload.IsEmpty || payload[0] >= payload.Length)
            {
                section.Length = -1;
                return;
            }

            payload = payload[(1 + payload[0])..]; // pointer_field
            section.Length = 0;
        }
        else if (section.Length < 0)
        {
            return;
        }

        var take = (int)Math.Min(payload.Length, MaxSectionLength - section.Length);
        payload[..take].CopyTo(section.Buffer.AsSpan(section.Length));
        section.Length += take;
        if (section.Length < 3)
        {
            return;
        }

        var total = 3 + (BinaryPrimitives.ReadUInt16BigEndian(section.Buffer.AsSpan(1)) & 0x0FFF);
        if (total > MaxSectionLength || total < 12)
        {
            section.Length = -1; // malformed: wait for the next one
            return;
        }

        if (section.Length < total)
        {
            return;
        }

        var body = section.Buffer.AsSpan(0, total);
        section.Length = -1;
        if (Crc32Mpeg2.Compute(body) != 0)
        {
            return;
        }

        if (section == _pat)
        {
            ReadProgramAssociation(body);
        }
        else
        {
            ReadProgramMap(body);
        }
    }

    private void ReadProgramAssociation(ReadOnlySpan<byte> section)
    {
        if (section[0] != 0x00 || (section[5] & 0x01) == 0)
        {
            return; // not a PAT, or not yet applicable
        }

        for (var offset = 8; offset + 4 <= section.Length - 4; offset += 4)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(section[offset..]) != 0)
            {
                var pid = BinaryPrimitives.ReadUInt16BigEndian(section[(offset + 2)..]) & 0x1FFF;
                if (pid != _pmtPid)
                {
                    _pmtPid = pid;
                    _pmt.Length = -1;
                }

                return;
            }
        }
    }

    private void ReadProgramMap(ReadOnlySpan<byte> section)
    {
        if (section[0] != 0x02 || (section[5] & 0x01) == 0)
        {
            return;
        }

        var programInfoLength = BinaryPrimitives.ReadUInt16BigEndian(section[10..]) & 0x0FFF;
        int video = -1, audio = -1, otherVideo = -1, otherAudio = -1;
        for (var offset = 12 + programInfoLength; offset + 5 <= section.Length - 4;)
        {
            var type = section[offset];
            var pid = BinaryPrimitives.ReadUInt16BigEndian(section[(offset + 1)..]) & 0x1FFF;
            offset += 5 + (BinaryPrimitives.ReadUInt16BigEndian(section[(offset + 3)..]) & 0x0FFF);
            switch (type)
            {
                case (byte)TsStreamType.H264 when video < 0:
                    video = pid;
                    break;
                case (byte)TsStreamType.AdtsAac when audio < 0:
                    audio = pid;
                    break;
                case 0x01 or 0x02 or 0x10 or 0x24 or 0x33 or 0x42 or 0xD1 or 0xEA:
                    otherVideo = type;
                    break;
                case 0x03 or 0x04 or 0x11 or 0x1C or 0x81 or 0x87:
                    otherAudio = type;
                    break;
            }
        }

        if (video < 0 && otherVideo >= 0)
        {
            MediaThrow.Format(MediaFormatError.Unsupported, $"MPEG-TS video stream_type 0x{otherVideo:X2} is not supported (H.264 is 0x1B).");
        }

        if (audio < 0 && otherAudio >= 0)
        {
            MediaThrow.Format(MediaFormatError.Unsupported, $"MPEG-TS audio stream_type 0x{otherAudio:X2} is not supported (ADTS AAC is 0x0F).");
        }

        Reassign(_video, video);
        Reassign(_audio, audio);
    }

    /// <summary>A new PMT may move a stream (an encoder restart): a video PES still open on the old PID is whole by now.</summary>
    private void Reassign(ElementaryStream stream, int pid)
    {
        if (pid != stream.Pid && stream.Active && stream.DeclaredLength == 0 && stream.Length > 0)
        {
            Complete(stream);
        }

        stream.Assign(pid);
    }

    private void ReadElementary(ElementaryStream stream, ReadOnlySpan<byte> payload, bool start, int counter, bool discontinuity)
    {
        if (stream.Counter >= 0 && !discontinuity)
        {
            if (counter == stream.Counter)
            {
                return; // a duplicate packet (allowed once, §2.4.3.3)
            }

            if (counter != ((stream.Counter + 1) & 0x0F))
            {
                Discontinuities++;
                Drop(stream);
            }
        }

        stream.Counter = counter;
        if (start)
        {
            if (stream.Active)
            {
                if (stream.DeclaredLength == 0 && stream.Length > 0)
                {
                    Complete(stream);
                }
                else
                {
                    Drop(stream); // a bounded PES that never received all its bytes
                }
            }

            stream.Active = true;
            stream.Length = 0;
            stream.DeclaredLength = -1;
        }
        else if (!stream.Active)
        {
            return; // the rest of a dropped PES
        }

        if (stream.Length + payload.Length > _limits.MaxPesLength)
        {
            Drop(stream);
            return;
        }

        stream.Append(payload, _pool);
        if (stream.DeclaredLength < 0 && stream.Length >= 6)
        {
            stream.DeclaredLength = BinaryPrimitives.ReadUInt16BigEndian(stream.Buffer.AsSpan(4));
        }

        if (stream.DeclaredLength > 0 && stream.Length >= 6 + stream.DeclaredLength)
        {
            stream.Length = 6 + stream.DeclaredLength;
            Complete(stream);
        }
    }

    private void Drop(ElementaryStream stream)
    {
        if (stream.Active)
        {
            DroppedUnits++;
            stream.Active = false;
        }

        if (stream == _video)
        {
            _videoNeedsKeyframe = true;
        }
    }

    /// <summary>A whole PES packet: read its header and hand the elementary stream bytes to the codec.</summary>
    private void Complete(ElementaryStream stream)
    {
        stream.Active = false;
        var pes = stream.Buffer.AsSpan(0, stream.Length);
        if (pes.Length < 9 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1 || (pes[6] & 0xC0) != 0x80)
        {
            DroppedUnits++;
            return;
        }

        var flags = pes[7] >> 6;
        var headerEnd = 9 + pes[8];
        if (flags is 0 or 1 || headerEnd > pes.Length || pes[8] < (flags == 3 ? 10 : 5))
        {
            DroppedUnits++; // no PTS: nothing to time the unit with
            return;
        }

        var pts = Unwrap(PesHeader.ReadTimestamp(pes[9..]));
        var dts = flags == 3 ? Unwrap(PesHeader.ReadTimestamp(pes[14..])) : pts;
        var elementary = pes[headerEnd..];
        if (stream == _video)
        {
            ReadVideo(elementary, dts, pts);
        }
        else
        {
            ReadAudio(elementary, pts);
        }
    }

    /// <summary>Extends a 33-bit time stamp to 64 bits: the one nearest the last time stamp seen.</summary>
    private long Unwrap(long timestamp)
    {
        if (_lastTimestamp == long.MinValue)
        {
            _lastTimestamp = timestamp;
            _base90 = timestamp - 90_000;
            return timestamp;
        }

        var delta = (timestamp - _lastTimestamp) & (WrapModulus - 1);
        if (delta >= WrapModulus / 2)
        {
            delta -= WrapModulus;
        }

        _lastTimestamp += delta;
        return _lastTimestamp;
    }

    /// <summary>Milliseconds on the ingest clock; a time stamp before the start restarts the clock there (a jump back).</summary>
    private long ToMilliseconds(long timestamp90)
    {
        if (timestamp90 < _base90)
        {
            _base90 = timestamp90;
        }

        return (timestamp90 - _base90) / 90;
    }

    private void Emit(MediaKind kind, ReadOnlySpan<byte> payload, long dts90, long pts90, bool keyframe)
    {
        var timestamp = ToMilliseconds(dts90);
        var offset = (int)Math.Clamp(ToMilliseconds(Math.Max(pts90, dts90)) - timestamp, 0, int.MaxValue); // PTS rounded on its own
        _output.Enqueue(new TsDemuxedItem(null, null, MediaFrame.Create(kind, payload, timestamp, offset, keyframe)));
    }

    private sealed class Section
    {
        public byte[] Buffer { get; } = new byte[MaxSectionLength];

        /// <summary>Bytes collected, or -1 while waiting for a section start.</summary>
        public int Length { get; set; } = -1;
    }

    private sealed class ElementaryStream
    {
        public int Pid { get; private set; } = -1;

        public byte[] Buffer { get; private set; } = [];

        public int Length { get; set; }

        /// <summary>PES_packet_length; 0 = unbounded (video), -1 = not read yet.</summary>
        public int DeclaredLength { get; set; }

        public bool Active { get; set; }

        public int Counter { get; set; } = -1;

        public void Assign(int pid)
        {
            if (pid != Pid)
            {
                Pid = pid;
                Active = false;
                Counter = -1;
            }
        }

        public void Append(ReadOnlySpan<byte> data, ArrayPool<byte> pool)
        {
            if (Length + data.Length > Buffer.Length)
            {
                var larger = pool.Rent(Math.Max(Length + data.Length, Math.Max(64 * 1024, Buffer.Length * 2)));
                Buffer.AsSpan(0, Length).CopyTo(larger);
                Return(pool);
                Buffer = larger;
            }

            data.CopyTo(Buffer.AsSpan(Length));
            Length += data.Length;
        }

        public void Return(ArrayPool<byte> pool)
        {
            if (Buffer.Length > 0)
            {
                pool.Return(Buffer);
                Buffer = [];
            }
        }
    }
}
