namespace OpenIvs.Media.MpegTs;

/// <summary>PMT stream_type values (ISO/IEC 13818-1 Table 2-34) used for HLS.</summary>
public enum TsStreamType : byte
{
    /// <summary>ISO/IEC 14496-3 audio with the ADTS transport syntax.</summary>
    AdtsAac = 0x0F,

    /// <summary>Metadata carried in PES packets (timed ID3 for HLS).</summary>
    PesMetadata = 0x15,

    /// <summary>AVC video (ITU-T H.264), Annex B byte stream.</summary>
    H264 = 0x1B,

    /// <summary>SCTE-35 splice_info_sections (SCTE 35 §8.1, user private).</summary>
    Scte35 = 0x86,
}
