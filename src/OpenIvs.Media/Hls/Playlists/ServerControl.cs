namespace OpenIvs.Media.Hls.Playlists;

/// <summary>EXT-X-SERVER-CONTROL (RFC 8216bis §4.4.3.8): what the server supports for this playlist.</summary>
/// <param name="CanBlockReload">CAN-BLOCK-RELOAD=YES: the server answers _HLS_msn/_HLS_part blocking requests.</param>
/// <param name="PartHoldBack">PART-HOLD-BACK seconds; at least twice the part target, three times recommended.</param>
/// <param name="HoldBack">HOLD-BACK seconds; at least three target durations.</param>
/// <param name="CanSkipUntil">CAN-SKIP-UNTIL seconds (Skip Boundary); at least six target durations.</param>
/// <param name="CanSkipDateRanges">CAN-SKIP-DATERANGES=YES.</param>
public sealed record ServerControl(
    bool CanBlockReload = false,
    double? PartHoldBack = null,
    double? HoldBack = null,
    double? CanSkipUntil = null,
    bool CanSkipDateRanges = false);
