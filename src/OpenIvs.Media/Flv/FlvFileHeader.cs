namespace OpenIvs.Media.Flv;

/// <summary>The 9-byte FLV file header.</summary>
public readonly record struct FlvFileHeader(byte Version, bool HasAudio, bool HasVideo, uint DataOffset);
