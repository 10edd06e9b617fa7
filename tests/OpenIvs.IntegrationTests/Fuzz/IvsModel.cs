using System.Text.Json;

namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>A member of a request shape and where it travels (body, URI label or query string).</summary>
public sealed record ModelMember(string Name, string Shape, string? Location, string? LocationName)
{
    public bool Required { get; init; }
}

/// <summary>One operation of the model: binding, success code, modelled errors, input members.</summary>
public sealed record ModelOperation(
    string Name, string Method, string RequestUri, int SuccessCode, IReadOnlyList<string> Errors, IReadOnlyList<ModelMember> Input)
{
    /// <summary>The URI label of a template route (<c>resourceArn</c> of <c>/tags/{resourceArn}</c>), or null.</summary>
    public string? Label => Input.FirstOrDefault(m => m.Location == "uri")?.LocationName;

    /// <summary>The path before the label (the whole path for literal routes).</summary>
    public string PathPrefix => Label is null ? RequestUri : RequestUri[..RequestUri.IndexOf('{', StringComparison.Ordinal)];

    public override string ToString() => Name;
}

/// <summary>
/// The IVS API as the vendored botocore model (spec/ivs-2020-07-14.botocore.json, the newest, 41 operations)
/// describes it, read independently of the server's generated code.
/// </summary>
public sealed class IvsModel
{
    private static readonly Lazy<IvsModel> Loaded = new(() => new IvsModel(Path.Combine(AppContext.BaseDirectory, "Spec", "ivs-2020-07-14.botocore.json")));

    private IvsModel(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        foreach (var shape in root.GetProperty("shapes").EnumerateObject())
        {
            Shapes[shape.Name] = JsonNode.Parse(shape.Value.GetRawText())!.AsObject();
            if (shape.Value.TryGetProperty("error", out var error))
            {
                ErrorStatus[shape.Name] = error.GetProperty("httpStatusCode").GetInt32();
            }
        }

        foreach (var operation in root.GetProperty("operations").EnumerateObject())
        {
            var http = operation.Value.GetProperty("http");
            var errors = operation.Value.TryGetProperty("errors", out var list)
                ? list.EnumerateArray().Select(e => e.GetProperty("shape").GetString()!).ToList()
                : [];
            var input = new List<ModelMember>();
            if (operation.Value.TryGetProperty("input", out var inputShape))
            {
                var shape = Shapes[inputShape.GetProperty("shape").GetString()!];
                var required = shape["required"] is JsonArray names ? names.Select(r => (string)r!).ToHashSet(StringComparer.Ordinal) : [];
                foreach (var member in shape["members"]!.AsObject())
                {
                    input.Add(new ModelMember(member.Key, (string)member.Value!["shape"]!, (string?)member.Value["location"], (string?)member.Value["locationName"])
                    {
                        Required = required.Contains(member.Key),
                    });
                }
            }

            Operations.Add(new ModelOperation(
                operation.Name,
                http.GetProperty("method").GetString()!,
                http.GetProperty("requestUri").GetString()!,
                http.TryGetProperty("responseCode", out var code) ? code.GetInt32() : 200,
                errors,
                input));
        }
    }

    public static IvsModel Instance => Loaded.Value;

    public List<ModelOperation> Operations { get; } = [];

    public Dictionary<string, JsonObject> Shapes { get; } = new(StringComparer.Ordinal);

    /// <summary>HTTP status of each modelled error shape.</summary>
    public Dictionary<string, int> ErrorStatus { get; } = new(StringComparer.Ordinal);

    public ModelOperation Operation(string name) => Operations.Single(o => o.Name == name);

    /// <summary>The operation a method and raw path select, or null (unknown path or method).</summary>
    public ModelOperation? Route(string method, string rawPath)
    {
        foreach (var operation in Operations)
        {
            if (operation.Method != method)
            {
                continue;
            }

            if (operation.Label is null ? rawPath == operation.RequestUri
                    : rawPath.StartsWith(operation.PathPrefix, StringComparison.Ordinal) && rawPath.Length > operation.PathPrefix.Length
                      && !rawPath[operation.PathPrefix.Length..].Contains('/', StringComparison.Ordinal))
            {
                return operation;
            }
        }

        return null;
    }
}
