namespace OpenIvs.Media.Rtmp.Messages;

/// <summary>The limit type byte of <see cref="SetPeerBandwidth"/>.</summary>
public enum PeerBandwidthLimitType : byte
{
    Hard = 0,
    Soft = 1,
    Dynamic = 2,
}
