using System.Buffers;

namespace OpenIvs.Media.Flv;

/// <summary>One tag of an FLV file. <see cref="Data"/> is a slice of the input the file was read from.</summary>
/// <param name="Type">Tag type.</param>
/// <param name="Timestamp">Milliseconds (24 bits plus the 8-bit extension).</param>
/// <param name="IsFiltered">The filter bit (encrypted content) was set.</param>
/// <param name="Data">The tag body: exactly what an RTMP audio/video/data message carries.</param>
public readonly record struct FlvTag(FlvTagType Type, uint Timestamp, bool IsFiltered, ReadOnlySequence<byte> Data);
