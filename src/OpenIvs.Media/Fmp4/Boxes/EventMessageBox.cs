namespace OpenIvs.Media.Fmp4.Boxes;

/// <summary>
/// <c>emsg</c> version 1 (ISO/IEC 23009-1 §5.10.3.3): timescale, 64-bit absolute presentation time, duration,
/// id, then NUL-terminated scheme_id_uri and value strings and the message data. Version 1 carries an absolute
/// time on the media timeline rather than an offset from the segment start, which is what AOM's "ID3 in CMAF"
/// uses (scheme <c>https://aomedia.org/emsg/ID3</c>).
/// </summary>
internal static class EventMessageBox
{
    public static int GetSize(in Fmp4EventMessage message) =>
        12 + 4 + 8 + 4 + 4
        + System.Text.Encoding.UTF8.GetByteCount(message.SchemeIdUri) + 1
        + System.Text.Encoding.UTF8.GetByteCount(message.Value) + 1
        + message.MessageData.Length;

    public static void Write(ref BoxWriter writer, in Fmp4EventMessage message)
    {
        var box = writer.BeginFullBox("emsg"u8, 1, 0);
        writer.WriteUInt32(message.Timescale);
        writer.WriteUInt64(message.PresentationTime);
        writer.WriteUInt32(message.EventDuration);
        writer.WriteUInt32(message.Id);
        writer.WriteNullTerminated(message.SchemeIdUri);
        writer.WriteNullTerminated(message.Value);
        writer.WriteBytes(message.MessageData.Span);
        writer.EndBox(box);
    }
}
