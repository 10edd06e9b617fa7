using OpenIvs.Server.Auth.Policies;

namespace OpenIvs.Server.Auth.Iam;

/// <summary>Who signed a request: the account root or a user with its policies.</summary>
public sealed class IamPrincipal
{
    public IamPrincipal(string arn, string? userName, IReadOnlyList<PolicyDocument> policies, bool isRoot)
    {
        Arn = arn;
        UserName = userName;
        Policies = policies;
        IsRoot = isRoot;
    }

    /// <summary><c>arn:aws:iam::{account}:root</c> or <c>arn:aws:iam::{account}:user/{name}</c>.</summary>
    public string Arn { get; }

    public string? UserName { get; }

    public IReadOnlyList<PolicyDocument> Policies { get; }

    /// <summary>The root key may do everything.</summary>
    public bool IsRoot { get; }

    public override string ToString() => Arn;
}
