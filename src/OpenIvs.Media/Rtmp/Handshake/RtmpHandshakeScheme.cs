namespace OpenIvs.Media.Rtmp.Handshake;

/// <summary>Which handshake a client used, detected from its C1.</summary>
public enum RtmpHandshakeScheme
{
    /// <summary>The plain handshake of the RTMP specification: S2 echoes C1.</summary>
    Simple,

    /// <summary>Flash Player 9 style digest handshake, digest offset taken from bytes 8..11 of the packet.</summary>
    Digest0,

    /// <summary>Flash Player 9 style digest handshake, digest offset taken from bytes 772..775 of the packet.</summary>
    Digest1,
}
