using System.Buffers.Binary;

namespace OpenIvs.Tests.Shared;

/// <summary>
/// Builds Enhanced RTMP (v2) multitrack video messages, as OBS sends them, for tests: the byte layout is written here
/// independently of the parser under test.
/// </summary>
internal static class MultitrackVideoMessages
{
    public const uint Avc1 = 0x61766331;
    public const uint Hvc1 = 0x68766331;

    /// <summary>One track's packet: its id, codec, and the body after the SI24 offset (if the packet type has one).</summary>
    public readonly record struct Track(byte Id, uint FourCc, byte[] Body, int CompositionTimeOffset = 0);

    /// <summary>
    /// A multitrack message: <paramref name="packetType"/> 0 sequence start, 1 coded frames (with SI24 offsets for
    /// AVC/HEVC); one track as OneTrack, several with one FourCC as ManyTracks, otherwise ManyTracksManyCodecs.
    /// </summary>
    public static byte[] Build(bool keyframe, byte packetType, params Track[] tracks)
    {
        var output = new List<byte> { (byte)(0x80 | (keyframe ? 1 : 2) << 4 | 6) };
        var manyCodecs = tracks.Select(t => t.FourCc).Distinct().Count() > 1;
        var type = tracks.Length == 1 ? 0 : manyCodecs ? 2 : 1;
        output.Add((byte)(type << 4 | packetType));
        if (!manyCodecs)
        {
            AddUInt(output, tracks[0].FourCc, 4);
        }

        foreach (var track in tracks)
        {
            if (manyCodecs)
            {
                AddUInt(output, track.FourCc, 4);
            }

            output.Add(track.Id);
            var hasOffset = packetType == 1 && track.FourCc is Avc1 or Hvc1;
            if (type != 0)
            {
                AddUInt(output, (uint)(track.Body.Length + (hasOffset ? 3 : 0)), 3);
            }

            if (hasOffset)
            {
                AddUInt(output, (uint)track.CompositionTimeOffset & 0xFFFFFF, 3);
            }

            output.AddRange(track.Body);
        }

        return [.. output];
    }

    private static void AddUInt(List<byte> output, uint value, int length)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        output.AddRange(bytes[(4 - length)..].ToArray());
    }
}
