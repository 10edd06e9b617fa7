namespace OpenIvs.Server.Storage;

/// <summary>
/// Documents changed up to <see cref="Version"/>: puts (a body) and deletes (no body); with <see cref="Complete"/>,
/// every live document (replace the whole state with them).
/// </summary>
public sealed record StateChanges(long Version, bool Complete, IReadOnlyList<DocumentChange> Documents);
