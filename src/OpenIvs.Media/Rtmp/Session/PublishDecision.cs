namespace OpenIvs.Media.Rtmp.Session;

/// <summary>The host's answer to a publish request.</summary>
public readonly record struct PublishDecision
{
    private PublishDecision(bool accepted, string? reason)
    {
        Accepted = accepted;
        Reason = reason;
    }

    public bool Accepted { get; }

    /// <summary>Why the publish was rejected, for the host's own logs; never sent to the client.</summary>
    public string? Reason { get; }

    public static PublishDecision Accept() => new(true, null);

    /// <summary>
    /// Rejects: the session stops without sending any <c>onStatus</c> (IVS just closes the connection), and
    /// <see cref="RtmpServerSession.RunAsync"/> returns <see cref="RtmpSessionEndReason.PublishRejected"/>.
    /// </summary>
    public static PublishDecision Reject(string reason) => new(false, reason);
}
