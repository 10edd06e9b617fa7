using System.Buffers.Binary;
using System.Text;
using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Tests.Support;

/// <summary>
/// Test-only reader of a progressive MP4's sample tables (stts, ctts, stsc, stsz, stco/co64, stss, avcC, esds):
/// enough to replay an encoder's output as the frames ingest would deliver.
/// </summary>
public sealed class Mp4SampleReader
{
    private Mp4SampleReader(VideoTrackInfo video, AudioTrackInfo audio, List<MediaFrameData> frames)
    {
        Video = video;
        Audio = audio;
        Frames = frames;
    }

    public VideoTrackInfo Video { get; }

    public AudioTrackInfo Audio { get; }

    /// <summary>Video and audio samples in decode order (merged by DTS, video first on ties).</summary>
    public IReadOnlyList<MediaFrameData> Frames { get; }

    public int VideoFrameCount => Frames.Count(f => f.Kind == MediaKind.Video);

    public int AudioFrameCount => Frames.Count(f => f.Kind == MediaKind.Audio);

    public static Mp4SampleReader Open(string path)
    {
        var file = File.ReadAllBytes(path);
        var moov = FindChild(file, 0, file.Length, "moov") ?? throw new InvalidDataException("no moov");
        VideoTrackInfo? video = null;
        AudioTrackInfo? audio = null;
        var frames = new List<MediaFrameData>();
        foreach (var trak in Children(file, moov.Body, moov.End, "trak"))
        {
            var mdia = FindChild(file, trak.Body, trak.End, "mdia")!.Value;
            var mdhd = FindChild(file, mdia.Body, mdia.End, "mdhd")!.Value;
            var timescale = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mdhd.Body + 12));
            var hdlr = FindChild(file, mdia.Body, mdia.End, "hdlr")!.Value;
            var handler = Encoding.ASCII.GetString(file, hdlr.Body + 8, 4);
            var minf = FindChild(file, mdia.Body, mdia.End, "minf")!.Value;
            var stbl = FindChild(file, minf.Body, minf.End, "stbl")!.Value;
            var samples = ReadSamples(file, stbl, timescale);
            var stsd = FindChild(file, stbl.Body, stbl.End, "stsd")!.Value;
            var entry = ReadHeader(file, stsd.Body + 8);
            if (handler == "vide")
            {
                var width = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 24));
                var height = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 26));
                var avcC = FindChild(file, entry.Body + 78, entry.End, "avcC")!.Value;
                var config = file.AsSpan(avcC.Body, avcC.End - avcC.Body).ToArray();
                var codec = $"avc1.{config[1]:X2}{config[2]:X2}{config[3]:X2}";
                video = new VideoTrackInfo(VideoCodec.Avc, codec, "High", "3.0", width, height, 30, config);
                frames.AddRange(samples.Select(s => new MediaFrameData(MediaKind.Video, file.AsSpan(s.Offset, s.Size).ToArray(), s.DtsMs, s.CtoMs, s.Sync)));
            }
            else if (handler == "soun")
            {
                var esds = FindChild(file, entry.Body + 28, entry.End, "esds")!.Value;
                var asc = ReadDecoderSpecificInfo(file.AsSpan(esds.Body + 4, esds.End - esds.Body - 4));
                var objectType = asc[0] >> 3;
                var channels = (asc[1] >> 3) & 0x0F;
                audio = new AudioTrackInfo($"mp4a.40.{objectType}", objectType, (int)timescale, channels, asc);
                frames.AddRange(samples.Select(s => new MediaFrameData(MediaKind.Audio, file.AsSpan(s.Offset, s.Size).ToArray(), s.DtsMs, 0, true)));
            }
        }

        var ordered = frames.OrderBy(f => f.Timestamp).ThenBy(f => f.Kind == MediaKind.Video ? 0 : 1).ToList();
        return new Mp4SampleReader(video ?? throw new InvalidDataException("no video"), audio ?? throw new InvalidDataException("no audio"), ordered);
    }

    private static List<(int Offset, int Size, long DtsMs, int CtoMs, bool Sync)> ReadSamples(byte[] file, Box stbl, uint timescale)
    {
        var span = file.AsSpan();
        var stsz = FindChild(file, stbl.Body, stbl.End, "stsz")!.Value;
        var fixedSize = BinaryPrimitives.ReadUInt32BigEndian(span[(stsz.Body + 4)..]);
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(span[(stsz.Body + 8)..]);
        var sizes = new int[count];
        for (var i = 0; i < count; i++)
        {
            sizes[i] = fixedSize != 0 ? (int)fixedSize : (int)BinaryPrimitives.ReadUInt32BigEndian(span[(stsz.Body + 12 + 4 * i)..]);
        }

        var dts = new long[count];
        var stts = FindChild(file, stbl.Body, stbl.End, "stts")!.Value;
        var entries = BinaryPrimitives.ReadUInt32BigEndian(span[(stts.Body + 4)..]);
        long time = 0;
        var n = 0;
        for (var e = 0; e < entries; e++)
        {
            var c = BinaryPrimitives.ReadUInt32BigEndian(span[(stts.Body + 8 + 8 * e)..]);
            var delta = BinaryPrimitives.ReadUInt32BigEndian(span[(stts.Body + 12 + 8 * e)..]);
            for (var k = 0; k < c; k++)
            {
                dts[n++] = time;
                time += delta;
            }
        }

        var cto = new long[count];
        if (FindChild(file, stbl.Body, stbl.End, "ctts") is { } ctts)
        {
            var cEntries = BinaryPrimitives.ReadUInt32BigEndian(span[(ctts.Body + 4)..]);
            n = 0;
            for (var e = 0; e < cEntries; e++)
            {
                var c = BinaryPrimitives.ReadUInt32BigEndian(span[(ctts.Body + 8 + 8 * e)..]);
                var offset = BinaryPrimitives.ReadInt32BigEndian(span[(ctts.Body + 12 + 8 * e)..]);
                for (var k = 0; k < c; k++)
                {
                    cto[n++] = offset;
                }
            }
        }

        HashSet<int>? sync = null;
        if (FindChild(file, stbl.Body, stbl.End, "stss") is { } stss)
        {
            sync = [];
            var sEntries = BinaryPrimitives.ReadUInt32BigEndian(span[(stss.Body + 4)..]);
            for (var e = 0; e < sEntries; e++)
            {
                sync.Add((int)BinaryPrimitives.ReadUInt32BigEndian(span[(stss.Body + 8 + 4 * e)..]) - 1);
            }
        }

        var chunkOffsets = new List<long>();
        if (FindChild(file, stbl.Body, stbl.End, "stco") is { } stco)
        {
            var c = BinaryPrimitives.ReadUInt32BigEndian(span[(stco.Body + 4)..]);
            for (var i = 0; i < c; i++)
            {
                chunkOffsets.Add(BinaryPrimitives.ReadUInt32BigEndian(span[(stco.Body + 8 + 4 * i)..]));
            }
        }
        else if (FindChild(file, stbl.Body, stbl.End, "co64") is { } co64)
        {
            var c = BinaryPrimitives.ReadUInt32BigEndian(span[(co64.Body + 4)..]);
            for (var i = 0; i < c; i++)
            {
                chunkOffsets.Add((long)BinaryPrimitives.ReadUInt64BigEndian(span[(co64.Body + 8 + 8 * i)..]));
            }
        }

        var stsc = FindChild(file, stbl.Body, stbl.End, "stsc")!.Value;
        var scEntries = (int)BinaryPrimitives.ReadUInt32BigEndian(span[(stsc.Body + 4)..]);
        var result = new List<(int, int, long, int, bool)>(count);
        var sample = 0;
        for (var chunk = 0; chunk < chunkOffsets.Count; chunk++)
        {
            var perChunk = 0;
            for (var e = 0; e < scEntries; e++)
            {
                var firstChunk = (int)BinaryPrimitives.ReadUInt32BigEndian(span[(stsc.Body + 8 + 12 * e)..]) - 1;
                if (firstChunk <= chunk)
                {
                    perChunk = (int)BinaryPrimitives.ReadUInt32BigEndian(span[(stsc.Body + 12 + 12 * e)..]);
                }
            }

            var offset = chunkOffsets[chunk];
            for (var k = 0; k < perChunk && sample < count; k++, sample++)
            {
                var dtsMs = (long)Math.Round(dts[sample] * 1000.0 / timescale);
                var ptsMs = (long)Math.Round((dts[sample] + cto[sample]) * 1000.0 / timescale);
                result.Add(((int)offset, sizes[sample], dtsMs, (int)(ptsMs - dtsMs), sync is null || sync.Contains(sample)));
                offset += sizes[sample];
            }
        }

        return result;
    }

    private static byte[] ReadDecoderSpecificInfo(ReadOnlySpan<byte> descriptors)
    {
        var i = 0;
        while (i < descriptors.Length)
        {
            var tag = descriptors[i++];
            var length = 0;
            byte b;
            do
            {
                b = descriptors[i++];
                length = (length << 7) | (b & 0x7F);
            }
            while ((b & 0x80) != 0);

            switch (tag)
            {
                case 0x03:
                    i += 3; // ES_ID + flags (no optional fields in ffmpeg output)
                    break;
                case 0x04:
                    i += 13;
                    break;
                case 0x05:
                    return descriptors.Slice(i, length).ToArray();
                default:
                    i += length;
                    break;
            }
        }

        throw new InvalidDataException("no DecoderSpecificInfo");
    }

    public readonly record struct Box(string Type, int Start, int Body, int End);

    public static Box ReadHeader(byte[] file, int offset)
    {
        var size = (long)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
        var type = Encoding.ASCII.GetString(file, offset + 4, 4);
        var body = offset + 8;
        if (size == 1)
        {
            size = (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(offset + 8));
            body += 8;
        }

        return new Box(type, offset, body, (int)(offset + size));
    }

    public static IEnumerable<Box> Children(byte[] file, int start, int end, string? type = null)
    {
        var offset = start;
        while (offset + 8 <= end)
        {
            var box = ReadHeader(file, offset);
            if (box.End <= offset || box.End > end)
            {
                yield break;
            }

            if (type is null || box.Type == type)
            {
                yield return box;
            }

            offset = box.End;
        }
    }

    public static Box? FindChild(byte[] file, int start, int end, string type)
    {
        foreach (var box in Children(file, start, end, type))
        {
            return box;
        }

        return null;
    }
}

/// <summary>An unpooled description of a frame; <see cref="ToFrame"/> makes the pooled <see cref="MediaFrame"/>.</summary>
public sealed record MediaFrameData(MediaKind Kind, byte[] Payload, long Timestamp, int CompositionOffset, bool IsKeyframe)
{
    public MediaFrame ToFrame() => MediaFrame.Create(Kind, Payload, Timestamp, CompositionOffset, IsKeyframe);
}
