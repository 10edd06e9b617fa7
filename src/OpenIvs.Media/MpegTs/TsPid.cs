namespace OpenIvs.Media.MpegTs;

/// <summary>Packet identifiers used by <see cref="TsMuxer"/> (the same ones most HLS packagers use).</summary>
public static class TsPid
{
    /// <summary>Program association table (fixed by ISO/IEC 13818-1 Table 2-3).</summary>
    public const int ProgramAssociation = 0x0000;

    public const int ProgramMap = 0x1000;
    public const int Video = 0x0100;
    public const int Audio = 0x0101;
    public const int Metadata = 0x0102;

    /// <summary>SCTE-35 splice_info_sections (ad break markers), on channels with an ad configuration.</summary>
    public const int Scte35 = 0x01F4;

    /// <summary>The program number announced in the PAT.</summary>
    public const int ProgramNumber = 1;
}
