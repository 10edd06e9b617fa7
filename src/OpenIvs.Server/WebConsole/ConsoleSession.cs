namespace OpenIvs.Server.WebConsole;

/// <summary>
/// One console sign-in: which access key signed it (the caller is looked up again on every call, so
/// policy changes and deleted keys take effect at once), its CSRF token, and when it ends.
/// </summary>
public sealed record ConsoleSession(string Id, string AccessKeyId, string PrincipalArn, string CsrfToken, DateTimeOffset ExpiresAt);
