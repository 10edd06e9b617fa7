namespace OpenIvs.Server.Recording;

/// <summary>One keyframe interval of a rendition: where it is (media file, byte range) and when.</summary>
internal sealed record RecordedEntry(int File, long Offset, long Length, double Duration, DateTimeOffset? ProgramDateTime, bool Discontinuity, int Map);
