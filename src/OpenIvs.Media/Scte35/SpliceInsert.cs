namespace OpenIvs.Media.Scte35;

/// <summary>
/// A splice_insert() command (SCTE 35 §9.7.3) for one program: an avail out of the network
/// (<see cref="OutOfNetwork"/>) or the return to it, at <see cref="PtsTime"/> (90 kHz, 33 bits; null splices
/// immediately), with an optional <see cref="BreakDuration"/>.
/// </summary>
/// <param name="EventId">splice_event_id: the same for the out and the matching in.</param>
/// <param name="OutOfNetwork">true: leave the network (ad break start); false: return (ad break end).</param>
/// <param name="PtsTime">splice_time pts_time in 90 kHz units; null for splice_immediate_flag.</param>
/// <param name="BreakDuration">break_duration in 90 kHz units; null when the command carries none.</param>
/// <param name="AutoReturn">break_duration auto_return: the splicer returns by itself when the duration ends.</param>
/// <param name="UniqueProgramId">unique_program_id.</param>
/// <param name="Cancel">splice_event_cancel_indicator: cancels an earlier event with this id (no other field).</param>
public readonly record struct SpliceInsert(
    uint EventId,
    bool OutOfNetwork,
    long? PtsTime,
    long? BreakDuration = null,
    bool AutoReturn = false,
    ushort UniqueProgramId = 1,
    bool Cancel = false);
