namespace OpenIvs.Server.Playback;

/// <summary>
/// A cluster's shared record of <c>Concurrent Viewers</c> breaches (<c>Cluster/ClusterBreachEpisodes</c>), so one
/// episode over a channel's viewer limit raises one event however many nodes refuse its viewers. Neither call waits
/// for the database: a refused viewer is answered at once. One node has none (<see cref="ViewerLimit"/> decides alone).
/// </summary>
internal interface IViewerBreachEpisodes
{
    /// <summary>
    /// A viewer of the channel was refused here: opens the channel's episode unless one is open (then only notes the
    /// refusal). <paramref name="raise"/> runs on the node whose refusal opened the episode, and only there.
    /// </summary>
    void Refused(string channelArn, Action raise);

    /// <summary>A viewer was admitted on a node that refused viewers of the channel: the episode is over.</summary>
    void Admitted(string channelArn);
}
