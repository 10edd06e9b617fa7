namespace OpenIvs.Media.Fmp4;

/// <summary>
/// Sample flags (ISO/IEC 14496-12 §8.8.3.1): <c>sample_depends_on</c> in bits 24-25 and
/// <c>sample_is_non_sync_sample</c> in bit 16.
/// </summary>
public static class Fmp4SampleFlags
{
    /// <summary>A sync sample (IDR, or any audio frame): depends on no other sample (2), sync.</summary>
    public const uint Sync = 0x02000000;

    /// <summary>A non-sync video sample: depends on others (1) and is not a sync sample.</summary>
    public const uint NonSync = 0x01010000;
}
