using System.Text.Json;

namespace OpenIvs.Server.Auth.Policies;

/// <summary>
/// An IAM policy document: <c>Version</c> and <c>Statement</c> (one or a list) with <c>Effect</c>,
/// <c>Action</c>/<c>NotAction</c>, <c>Resource</c>/<c>NotResource</c> and <c>Condition</c>. Anything this
/// evaluator cannot honour (principals, unknown condition operators) is refused when the policy is stored,
/// rather than silently ignored at request time.
/// </summary>
public sealed class PolicyDocument
{
    private PolicyDocument(IReadOnlyList<PolicyStatement> statements) => Statements = statements;

    public IReadOnlyList<PolicyStatement> Statements { get; }

    public static PolicyDocument Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new PolicyException("The policy is not valid JSON: " + e.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyException("The policy must be a JSON object.");
            }

            if (root.TryGetProperty("Version", out var version) && version.GetString() is not ("2012-10-17" or "2008-10-17"))
            {
                throw new PolicyException("Version must be \"2012-10-17\".");
            }

            if (!root.TryGetProperty("Statement", out var statement))
            {
                throw new PolicyException("The policy needs a Statement.");
            }

            var elements = statement.ValueKind == JsonValueKind.Array ? statement.EnumerateArray().ToList() : [statement];
            if (elements.Count == 0)
            {
                throw new PolicyException("Statement must not be empty.");
            }

            return new PolicyDocument(elements.Select(ParseStatement).ToList());
        }
    }

    private static PolicyStatement ParseStatement(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new PolicyException("Each statement must be a JSON object.");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Name is not ("Sid" or "Effect" or "Action" or "NotAction" or "Resource" or "NotResource" or "Condition"))
            {
                throw new PolicyException($"Statement element '{property.Name}' is not supported (identity policies have no Principal).");
            }
        }

        var effect = element.TryGetProperty("Effect", out var e) ? e.GetString() : null;
        if (effect is not ("Allow" or "Deny"))
        {
            throw new PolicyException("Effect must be \"Allow\" or \"Deny\".");
        }

        var actions = Strings(element, "Action");
        var notActions = Strings(element, "NotAction");
        if ((actions is null) == (notActions is null))
        {
            throw new PolicyException("A statement needs exactly one of Action and NotAction.");
        }

        var resources = Strings(element, "Resource");
        var notResources = Strings(element, "NotResource");
        if ((resources is null) == (notResources is null))
        {
            throw new PolicyException("A statement needs exactly one of Resource and NotResource.");
        }

        var conditions = new List<PolicyCondition>();
        if (element.TryGetProperty("Condition", out var condition))
        {
            if (condition.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyException("Condition must be an object of operators.");
            }

            foreach (var op in condition.EnumerateObject())
            {
                if (op.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new PolicyException($"Condition operator {op.Name} must map keys to values.");
                }

                foreach (var key in op.Value.EnumerateObject())
                {
                    conditions.Add(PolicyCondition.Create(op.Name, key.Name, Values(key.Value, $"Condition {op.Name} {key.Name}")));
                }
            }
        }

        return new PolicyStatement(effect == "Allow", actions, notActions, resources, notResources, conditions);
    }

    private static List<string>? Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? Values(value, name) : null;

    private static List<string> Values(JsonElement value, string what)
    {
        var list = value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Select(v => v.ValueKind switch
            {
                JsonValueKind.String => v.GetString()!,
                JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number => v.GetRawText(),
                _ => throw new PolicyException($"{what} values must be strings."),
            }).ToList(),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number => [value.GetRawText()],
            _ => throw new PolicyException($"{what} must be a string or a list of strings."),
        };
        return list.Count > 0 ? list : throw new PolicyException($"{what} must not be empty.");
    }
}

/// <summary>One statement of a policy.</summary>
public sealed record PolicyStatement(
    bool Allow,
    IReadOnlyList<string>? Actions,
    IReadOnlyList<string>? NotActions,
    IReadOnlyList<string>? Resources,
    IReadOnlyList<string>? NotResources,
    IReadOnlyList<PolicyCondition> Conditions);

public sealed class PolicyException(string message) : Exception(message);
