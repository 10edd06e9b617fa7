namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>RTMP message type ids (the one-byte type in a chunk message header).</summary>
public enum RtmpMessageType : byte
{
    SetChunkSize = 1,
    Abort = 2,
    Acknowledgement = 3,
    UserControl = 4,
    WindowAcknowledgementSize = 5,
    SetPeerBandwidth = 6,
    Audio = 8,
    Video = 9,

    /// <summary>AMF3 data message: a format byte (0) followed by AMF0 values in practice.</summary>
    DataAmf3 = 15,

    /// <summary>AMF3 shared object (not supported; ignored).</summary>
    SharedObjectAmf3 = 16,

    /// <summary>AMF3 command message: a format byte (0) followed by an AMF0 command in practice.</summary>
    CommandAmf3 = 17,

    /// <summary>AMF0 data message (<c>@setDataFrame</c>, <c>onMetaData</c>).</summary>
    DataAmf0 = 18,

    /// <summary>AMF0 shared object (not supported; ignored).</summary>
    SharedObjectAmf0 = 19,

    /// <summary>AMF0 command message (<c>connect</c>, <c>publish</c>, <c>_result</c> ...).</summary>
    CommandAmf0 = 20,

    Aggregate = 22,
}
