namespace OpenIvs.Server.Auth.Iam;

/// <summary>A user: a named principal with managed policies attached.</summary>
public sealed class IamUserRecord
{
    public required string UserName { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Names of attached managed policies.</summary>
    public required List<string> AttachedPolicies { get; init; }
}

/// <summary>
/// An access key. The secret (and a session token) are stored encrypted with the master key in
/// <c>master.key</c>: a copy of the database alone does not reveal them.
/// </summary>
public sealed class AccessKeyRecord
{
    public required string AccessKeyId { get; init; }

    public required string UserName { get; init; }

    /// <summary>AES-256-GCM: nonce, ciphertext and tag, base64; bound to the key id.</summary>
    public required string SecretCiphertext { get; init; }

    /// <summary>For temporary credentials: the session token, encrypted like the secret.</summary>
    public string? SessionTokenCiphertext { get; init; }

    /// <summary>For temporary credentials: when they stop working.</summary>
    public DateTimeOffset? Expiration { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A named IAM policy document that can be attached to users.</summary>
public sealed class ManagedPolicyRecord
{
    public required string PolicyName { get; init; }

    /// <summary>The policy document as given (IAM JSON).</summary>
    public required string Document { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}
