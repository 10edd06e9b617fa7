namespace OpenIvs.Server.Recording;

/// <summary>The spool reached <see cref="RecordingOptions.SpoolLimit"/>: the recording ends with a failure.</summary>
internal sealed class RecordingSpoolFullException() : IOException("The recording spool is full (the destination has been unreachable too long).");
