namespace OpenIvs.Server.Playback;

/// <summary>What spending a single-use id found (<see cref="ISingleUseIds.SpendAsync"/>).</summary>
internal enum SingleUseSpend
{
    /// <summary>Spent now, by this request: playback starts.</summary>
    Spent,

    /// <summary>Spent before (on this node or another).</summary>
    AlreadySpent,

    /// <summary>The shared store could not be asked: refused (fail closed), the id stays unspent.</summary>
    Unavailable,
}
