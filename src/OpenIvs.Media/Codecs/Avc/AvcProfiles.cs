using System.Globalization;

namespace OpenIvs.Media.Codecs.Avc;

/// <summary>H.264 profile and level names and the RFC 6381 codec string (<c>avc1.PPCCLL</c>, upper-case hex as IVS shows).</summary>
public static class AvcProfiles
{
    /// <summary>The profile name IVS and most tools show, e.g. <c>High</c>.</summary>
    public static string GetProfileName(int profileIdc, byte constraintFlags) => profileIdc switch
    {
        66 => "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => (constraintFlags & 0x0C) == 0x0C ? "Constrained High" : (constraintFlags & 0x08) != 0 ? "Progressive High" : "High",
        110 => (constraintFlags & 0x10) != 0 ? "High 10 Intra" : "High 10",
        122 => (constraintFlags & 0x10) != 0 ? "High 4:2:2 Intra" : "High 4:2:2",
        244 => (constraintFlags & 0x10) != 0 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive",
        44 => "CAVLC 4:4:4 Intra",
        83 => "Scalable Baseline",
        86 => "Scalable High",
        118 => "Multiview High",
        128 => "Stereo High",
        _ => $"Profile {profileIdc}",
    };

    /// <summary>The level as <c>major.minor</c>, e.g. <c>3.1</c>; <c>1b</c> where signalled.</summary>
    public static string GetLevelName(int levelIdc, int profileIdc, byte constraintFlags)
    {
        if (levelIdc == 9 || (levelIdc == 11 && (constraintFlags & 0x10) != 0 && profileIdc is 66 or 77 or 88))
        {
            return "1b";
        }

        return (levelIdc / 10).ToString(CultureInfo.InvariantCulture) + "." + (levelIdc % 10).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>RFC 6381 codec string from the first three SPS bytes, e.g. <c>avc1.64001F</c>.</summary>
    public static string GetCodecString(int profileIdc, byte constraintFlags, int levelIdc) =>
        string.Create(CultureInfo.InvariantCulture, $"avc1.{profileIdc:X2}{constraintFlags:X2}{levelIdc:X2}");
}
