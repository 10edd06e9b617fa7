namespace OpenIvs.Media.MpegTs;

/// <summary>Transport stream packet constants (ISO/IEC 13818-1 §2.4.3.2).</summary>
public static class TsPacket
{
    public const int Size = 188;
    public const int HeaderSize = 4;
    public const int MaxPayload = Size - HeaderSize;
    public const byte SyncByte = 0x47;
}
