using OpenIvs.Server.Resources;
using OpenIvs.Server.Storage;
using System.Collections.Concurrent;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Policies;

namespace OpenIvs.Server.Auth.Iam;

/// <summary>
/// The access keys the server accepts: the root key plus users' keys from the IAM tables. Derived
/// signing keys are cached per key and day. <see cref="Reload"/> rebuilds the view after the tables
/// change (for example when <c>openivs admin</c> adds a key while the server runs).
/// </summary>
public sealed class IamDirectory : ISigV4KeyResolver
{
    private readonly RootCredentials _root;
    private readonly IamTables _tables;
    private readonly SecretBox _secrets;
    private readonly string _account;
    private readonly IamPrincipal _rootPrincipal;
    private readonly ConcurrentDictionary<string, CachedKey> _signingKeys = new(StringComparer.Ordinal);
    private volatile Dictionary<string, KeyEntry> _keys = new(StringComparer.Ordinal);

    public IamDirectory(RootCredentials root, IamTables tables, SecretBox secrets, ServiceAccount account)
    {
        _root = root;
        _tables = tables;
        _secrets = secrets;
        _account = account.AccountId;
        _rootPrincipal = new IamPrincipal($"arn:aws:iam::{_account}:root", null, [], isRoot: true);
        Reload();
    }

    public IamPrincipal Root => _rootPrincipal;

    public string UserArn(string userName) => $"arn:aws:iam::{_account}:user/{userName}";

    /// <summary>Rebuilds keys and principals from the tables; cached signing keys are dropped.</summary>
    public void Reload()
    {
        var policies = new Dictionary<string, PolicyDocument>(StringComparer.Ordinal);
        foreach (var policy in _tables.Policies.Values)
        {
            policies[policy.PolicyName] = PolicyDocument.Parse(policy.Document);
        }

        var principals = new Dictionary<string, IamPrincipal>(StringComparer.Ordinal);
        foreach (var user in _tables.Users.Values)
        {
            var attached = user.AttachedPolicies.Where(policies.ContainsKey).Select(p => policies[p]).ToList();
            principals[user.UserName] = new IamPrincipal(UserArn(user.UserName), user.UserName, attached, isRoot: false);
        }

        var keys = new Dictionary<string, KeyEntry>(StringComparer.Ordinal)
        {
            [_root.AccessKeyId] = new KeyEntry(_root.SecretAccessKey, null, null, _rootPrincipal),
        };
        foreach (var key in _tables.AccessKeys.Values)
        {
            if (!principals.TryGetValue(key.UserName, out var principal))
            {
                continue; // a key whose user is gone authenticates nobody
            }

            var secret = _secrets.Unseal(key.SecretCiphertext, key.AccessKeyId);
            var token = key.SessionTokenCiphertext is null ? null : _secrets.Unseal(key.SessionTokenCiphertext, key.AccessKeyId + "/token");
            keys[key.AccessKeyId] = new KeyEntry(secret, token, key.Expiration, principal);
        }

        _keys = keys;
        _signingKeys.Clear();
    }

    SigV4Key? ISigV4KeyResolver.Resolve(string accessKeyId, string date, string region, string service)
    {
        if (_signingKeys.TryGetValue(accessKeyId, out var cached) && cached.Date == date && cached.Region == region && cached.Service == service)
        {
            return cached.Key;
        }

        if (!_keys.TryGetValue(accessKeyId, out var entry))
        {
            return null;
        }

        var key = new SigV4Key(SigV4.SigningKey(entry.Secret, date, region, service), entry.SessionToken, entry.Expiration, entry.Principal);
        _signingKeys[accessKeyId] = new CachedKey(date, region, service, key);
        return key;
    }

    private sealed record KeyEntry(string Secret, string? SessionToken, DateTimeOffset? Expiration, IamPrincipal Principal)
    {
        public override string ToString() => $"KeyEntry {{ Principal = {Principal} }}";
    }

    private sealed record CachedKey(string Date, string Region, string Service, SigV4Key Key);
}
