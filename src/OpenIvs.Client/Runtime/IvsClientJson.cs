using System.Text.Encodings.Web;
using System.Text.Json;
using OpenIvs.Protocol.Serialization;

namespace OpenIvs.Client.Runtime;

/// <summary>
/// The client's serializers: the model's source-generated context with JavaScript's escaping (non-ASCII
/// text sent as UTF-8, not <c>\uXXXX</c>), so request bodies are byte for byte what the AWS SDKs send.
/// </summary>
internal static class IvsClientJson
{
    public static IvsJsonContext Context { get; } = new(new JsonSerializerOptions(IvsJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });
}
