using System.Text.Json.Serialization;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Auth.Iam;

/// <summary>Users, access keys and policies, kept in the same durable store as the IVS resources.</summary>
public sealed class IamTables
{
    public DocumentTable<IamUserRecord> Users { get; } = new("iam-user", IamJsonContext.Default.IamUserRecord);

    public DocumentTable<AccessKeyRecord> AccessKeys { get; } = new("iam-access-key", IamJsonContext.Default.AccessKeyRecord);

    public DocumentTable<ManagedPolicyRecord> Policies { get; } = new("iam-policy", IamJsonContext.Default.ManagedPolicyRecord);

    public IEnumerable<IDocumentTable> All => [Users, AccessKeys, Policies];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IamUserRecord))]
[JsonSerializable(typeof(AccessKeyRecord))]
[JsonSerializable(typeof(ManagedPolicyRecord))]
internal sealed partial class IamJsonContext : JsonSerializerContext;
