namespace OpenIvs.Server.WebConsole;

/// <summary>The web console at <c>/console</c> (README "Console").</summary>
public sealed class ConsoleOptions
{
    /// <summary>Serve the console (default). Off: <c>/console</c> answers 404 and no session cookie is ever accepted.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a console sign-in lasts (absolute, not sliding); then the page asks to sign in again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<string> Validate()
    {
        if (SessionLifetime < TimeSpan.FromSeconds(1) || SessionLifetime > TimeSpan.FromHours(12))
        {
            yield return $"Console.SessionLifetime {SessionLifetime} must be between 1 second and 12 hours.";
        }
    }
}
