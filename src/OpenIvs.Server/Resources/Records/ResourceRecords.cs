using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Resources.Records;

// The stored documents. Each holds the resource's wire shape (as the API returns it) plus what the
// service needs beyond it. Stored values are never mutated: an update stores a new record.

/// <summary>A channel and the prefix of its host names.</summary>
public sealed class ChannelRecord
{
    public required Channel Channel { get; init; }

    /// <summary>12 lowercase hex characters, fixed for the channel's life.</summary>
    public required string EndpointPrefix { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A stream key. Stored with its value sealed (<see cref="StreamKeySealing"/>); in memory, in clear.</summary>
public sealed class StreamKeyRecord
{
    public required StreamKey Key { get; init; }

    /// <summary>The key's value sealed with the master key (stored form only; null in memory).</summary>
    public string? ValueCiphertext { get; init; }
}

/// <summary>An imported playback key pair; the public key is kept to verify playback tokens.</summary>
public sealed class PlaybackKeyPairRecord
{
    public required PlaybackKeyPair KeyPair { get; init; }

    /// <summary>The imported key as PEM (SubjectPublicKeyInfo).</summary>
    public required string PublicKeyPem { get; init; }
}

public sealed class RecordingConfigurationRecord
{
    public required RecordingConfiguration Configuration { get; init; }
}

public sealed class PlaybackRestrictionPolicyRecord
{
    public required PlaybackRestrictionPolicy Policy { get; init; }
}

public sealed class AdConfigurationRecord
{
    public required AdConfiguration Configuration { get; init; }
}

/// <summary>A viewer-session revocation: tokens for the viewer with a version at or below this are refused.</summary>
public sealed class ViewerRevocationRecord
{
    public required string ChannelArn { get; init; }

    public required string ViewerId { get; init; }

    public required long MaxVersion { get; init; }

    public required DateTimeOffset RevokedAt { get; init; }
}
