namespace OpenIvs.Media.Fmp4;

/// <summary>An <c>emsg</c> version 1 event (ISO/IEC 23009-1 §5.10.3.3) placed before a fragment's <c>moof</c>.</summary>
/// <param name="SchemeIdUri">Identifies the message scheme, e.g. <see cref="Id3SchemeIdUri"/>.</param>
/// <param name="Value">Scheme-specific value; empty for ID3.</param>
/// <param name="Timescale">Ticks per second of <paramref name="PresentationTime"/> and <paramref name="EventDuration"/>.</param>
/// <param name="PresentationTime">Absolute presentation time on the media timeline.</param>
/// <param name="EventDuration">Duration; <c>0xFFFFFFFF</c> means unknown.</param>
/// <param name="Id">Identifies this instance of the message.</param>
/// <param name="MessageData">The payload (for ID3, a complete ID3v2 tag).</param>
public readonly record struct Fmp4EventMessage(
    string SchemeIdUri,
    string Value,
    uint Timescale,
    ulong PresentationTime,
    uint EventDuration,
    uint Id,
    ReadOnlyMemory<byte> MessageData)
{
    /// <summary>The AOM scheme for ID3 timed metadata in CMAF, which hls.js and the IVS player read.</summary>
    public const string Id3SchemeIdUri = "https://aomedia.org/emsg/ID3";
}
