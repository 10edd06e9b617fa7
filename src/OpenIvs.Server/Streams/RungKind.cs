namespace OpenIvs.Server.Streams;

/// <summary>What a <see cref="LadderRung"/> is.</summary>
public enum RungKind
{
    /// <summary>The source rendition, served as it arrives (IVS's <c>chunked</c> group).</summary>
    Source,

    /// <summary>Decoded and encoded again at the rung's size, frame rate and bitrates.</summary>
    Transcoded,

    /// <summary>A video track of multitrack input (Enhanced RTMP) besides track 0, served as it arrives with the source's audio.</summary>
    Track,

    /// <summary>Audio without video (ADVANCED channels' 64 kbps rendition).</summary>
    AudioOnly,
}
