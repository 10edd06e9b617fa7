namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>Event types of a User Control message (type 4).</summary>
public enum UserControlEventType : ushort
{
    StreamBegin = 0,
    StreamEof = 1,
    StreamDry = 2,

    /// <summary>Client buffer length: stream id followed by milliseconds (8 bytes of event data).</summary>
    SetBufferLength = 3,

    StreamIsRecorded = 4,
    PingRequest = 6,
    PingResponse = 7,
}
