namespace OpenIvs.Media.Flv;

/// <summary>Enhanced RTMP FourCC codes as big-endian integers.</summary>
public static class FlvFourCc
{
    public const uint Avc1 = 0x61766331;
    public const uint Hvc1 = 0x68766331;
    public const uint Av01 = 0x61763031;
    public const uint Vp09 = 0x76703039;
    public const uint Mp4a = 0x6D703461;
    public const uint Opus = 0x4F707573;

    /// <summary>The four characters (non-printable bytes as '?'), for messages.</summary>
    public static string ToString(uint fourCc)
    {
        Span<char> chars = stackalloc char[4];
        for (var i = 0; i < 4; i++)
        {
            var b = (byte)(fourCc >> (24 - 8 * i));
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }

        return new string(chars);
    }
}
