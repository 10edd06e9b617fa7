using System.Text.RegularExpressions;
using OpenIvs.Server.Auth.Policies;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Auth.Iam;

/// <summary>
/// Management of users, access keys and policies (the <c>openivs admin</c> commands). Works on the
/// durable store directly, so it runs with or without the server; a running server picks the changes
/// up within a second. A secret is returned only by the call that creates it.
/// </summary>
public sealed partial class IamAdministration(DocumentStore store, IamTables tables, SecretBox secrets, TimeProvider time)
{
    public async Task<IamUserRecord> CreateUserAsync(string userName, CancellationToken cancellationToken)
    {
        CheckName(userName, "user name");
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (tables.Users.TryGet(userName, out _))
        {
            throw new IamAdministrationException($"User '{userName}' already exists.");
        }

        var user = new IamUserRecord { UserName = userName, CreatedAt = time.GetUtcNow(), AttachedPolicies = [] };
        write.Put(tables.Users, userName, user);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return user;
    }

    /// <summary>Deletes a user and every access key of the user.</summary>
    public async Task DeleteUserAsync(string userName, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        RequireUser(userName);
        foreach (var key in tables.AccessKeys.Values.Where(k => k.UserName == userName))
        {
            write.Delete(tables.AccessKeys, key.AccessKeyId);
        }

        write.Delete(tables.Users, userName);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a long-term access key; the secret is in the result and nowhere else in clear.</summary>
    public async Task<IssuedAccessKey> CreateAccessKeyAsync(string userName, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        RequireUser(userName);
        if (tables.AccessKeys.Values.Count(k => k.UserName == userName && k.SessionTokenCiphertext is null) >= 2)
        {
            throw new IamAdministrationException($"User '{userName}' already has 2 access keys (the IAM limit). Delete or rotate one.");
        }

        var issued = Issue(write, userName, null);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return issued;
    }

    /// <summary>Replaces a key with a new one in one step: the old key stops working when the new one exists.</summary>
    public async Task<IssuedAccessKey> RotateAccessKeyAsync(string userName, string oldAccessKeyId, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        RequireUser(userName);
        if (!tables.AccessKeys.TryGet(oldAccessKeyId, out var old) || old.UserName != userName)
        {
            throw new IamAdministrationException($"User '{userName}' has no access key {oldAccessKeyId}.");
        }

        var issued = Issue(write, userName, null);
        write.Delete(tables.AccessKeys, oldAccessKeyId);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return issued;
    }

    public async Task DeleteAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (!tables.AccessKeys.TryGet(accessKeyId, out _))
        {
            throw new IamAdministrationException($"No access key {accessKeyId}.");
        }

        write.Delete(tables.AccessKeys, accessKeyId);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Temporary credentials (an <c>ASIA</c> key with a session token) for a user, as STS would issue.</summary>
    public async Task<IssuedAccessKey> CreateSessionCredentialsAsync(string userName, TimeSpan duration, CancellationToken cancellationToken)
    {
        if (duration < TimeSpan.FromMinutes(15) || duration > TimeSpan.FromHours(36))
        {
            throw new IamAdministrationException("Session duration must be between 900 and 129600 seconds.");
        }

        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        RequireUser(userName);
        foreach (var expired in tables.AccessKeys.Values.Where(k => k.Expiration < time.GetUtcNow()))
        {
            write.Delete(tables.AccessKeys, expired.AccessKeyId);
        }

        var issued = Issue(write, userName, time.GetUtcNow() + duration);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return issued;
    }

    /// <summary>Creates or replaces a managed policy; the document is checked before it is stored.</summary>
    public async Task<ManagedPolicyRecord> PutPolicyAsync(string policyName, string document, CancellationToken cancellationToken)
    {
        CheckName(policyName, "policy name");
        try
        {
            PolicyDocument.Parse(document);
        }
        catch (PolicyException e)
        {
            throw new IamAdministrationException($"Policy '{policyName}' is not valid: {e.Message}");
        }

        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var policy = new ManagedPolicyRecord { PolicyName = policyName, Document = document, UpdatedAt = time.GetUtcNow() };
        write.Put(tables.Policies, policyName, policy);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return policy;
    }

    public async Task DeletePolicyAsync(string policyName, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        if (!tables.Policies.TryGet(policyName, out _))
        {
            throw new IamAdministrationException($"No policy '{policyName}'.");
        }

        if (tables.Users.Values.FirstOrDefault(u => u.AttachedPolicies.Contains(policyName)) is { } user)
        {
            throw new IamAdministrationException($"Policy '{policyName}' is attached to user '{user.UserName}'; detach it first.");
        }

        write.Delete(tables.Policies, policyName);
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task AttachPolicyAsync(string userName, string policyName, CancellationToken cancellationToken) =>
        ChangeAttachmentAsync(userName, policyName, attach: true, cancellationToken);

    public Task DetachPolicyAsync(string userName, string policyName, CancellationToken cancellationToken) =>
        ChangeAttachmentAsync(userName, policyName, attach: false, cancellationToken);

    public IReadOnlyList<IamUserRecord> ListUsers() => [.. tables.Users.Values];

    /// <summary>Access keys without secrets: id, user, creation and (for temporary keys) expiry.</summary>
    public IReadOnlyList<AccessKeyRecord> ListAccessKeys(string? userName) =>
        [.. tables.AccessKeys.Values.Where(k => userName is null || k.UserName == userName)];

    public IReadOnlyList<ManagedPolicyRecord> ListPolicies() => [.. tables.Policies.Values];

    private async Task ChangeAttachmentAsync(string userName, string policyName, bool attach, CancellationToken cancellationToken)
    {
        await using var write = await store.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        var user = RequireUser(userName);
        if (attach && !tables.Policies.TryGet(policyName, out _))
        {
            throw new IamAdministrationException($"No policy '{policyName}'.");
        }

        var policies = new List<string>(user.AttachedPolicies);
        if (attach ? policies.Contains(policyName) : !policies.Remove(policyName))
        {
            throw new IamAdministrationException(attach
                ? $"Policy '{policyName}' is already attached to '{userName}'."
                : $"Policy '{policyName}' is not attached to '{userName}'.");
        }

        if (attach)
        {
            policies.Add(policyName);
        }

        write.Put(tables.Users, userName, new IamUserRecord { UserName = user.UserName, CreatedAt = user.CreatedAt, AttachedPolicies = policies });
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private IssuedAccessKey Issue(DocumentWrite write, string userName, DateTimeOffset? expiration)
    {
        var id = ResourceIds.NewAccessKeyId(expiration is null ? "AKIA" : "ASIA");
        var secret = ResourceIds.NewSecretAccessKey();
        var token = expiration is null ? null : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(96));
        write.Put(tables.AccessKeys, id, new AccessKeyRecord
        {
            AccessKeyId = id,
            UserName = userName,
            SecretCiphertext = secrets.Seal(secret, id),
            SessionTokenCiphertext = token is null ? null : secrets.Seal(token, id + "/token"),
            Expiration = expiration,
            CreatedAt = time.GetUtcNow(),
        });
        return new IssuedAccessKey(userName, id, secret, token, expiration);
    }

    private IamUserRecord RequireUser(string userName) =>
        tables.Users.TryGet(userName, out var user) ? user : throw new IamAdministrationException($"No user '{userName}'.");

    private static void CheckName(string name, string what)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw new IamAdministrationException($"The {what} '{name}' must be 1-64 characters of letters, digits and +=,.@_-.");
        }
    }

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex NamePattern();
}

/// <summary>A newly issued key: the only time its secret (and session token) is available in clear.</summary>
public sealed record IssuedAccessKey(string UserName, string AccessKeyId, string SecretAccessKey, string? SessionToken, DateTimeOffset? Expiration)
{
    public override string ToString() => $"IssuedAccessKey {{ UserName = {UserName}, AccessKeyId = {AccessKeyId} }}";
}

public sealed class IamAdministrationException(string message) : Exception(message);
