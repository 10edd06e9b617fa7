using System.Buffers;
using OpenIvs.Media.Id3;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Turns a <c>MediaKind.Data</c> payload into the ID3 tag carried in segments: a payload that already is one
/// complete ID3v2.3/2.4 tag (in-band metadata) passes through; anything else (a PutMetadata string) becomes a
/// <c>TXXX</c> frame whose description is the owner and whose value is the payload.
/// </summary>
internal static class TimedMetadata
{
    public static int GetMaxSize(ReadOnlySpan<byte> payload, string owner) =>
        Id3TagWriter.GetUserTextTagLength(owner, payload);

    public static void WriteId3(IBufferWriter<byte> output, ReadOnlySpan<byte> payload, string owner)
    {
        if (Id3TagWriter.IsCompleteTag(payload))
        {
            output.Write(payload);
        }
        else
        {
            Id3TagWriter.WriteUserTextTag(output, owner, payload);
        }
    }
}
