namespace OpenIvs.Server.Auth.Policies;

/// <summary>
/// One condition key under one operator. Supported: <c>StringEquals</c>, <c>StringNotEquals</c>,
/// <c>StringEqualsIgnoreCase</c>, <c>StringNotEqualsIgnoreCase</c>, <c>StringLike</c>, <c>StringNotLike</c>
/// and <c>Null</c>, each optionally with the <c>ForAnyValue:</c>/<c>ForAllValues:</c> set qualifiers and the
/// <c>IfExists</c> suffix.
/// </summary>
public sealed record PolicyCondition(string Operator, string Key, IReadOnlyList<string> Values, SetQualifier Qualifier, bool IfExists, StringOperator Match, bool Negated)
{
    public static PolicyCondition Create(string op, string key, IReadOnlyList<string> values)
    {
        var name = op;
        var qualifier = SetQualifier.None;
        if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAnyValue;
            name = name["ForAnyValue:".Length..];
        }
        else if (name.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAllValues;
            name = name["ForAllValues:".Length..];
        }

        var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal) && name != "IfExists";
        if (ifExists)
        {
            name = name[..^"IfExists".Length];
        }

        var (match, negated) = name switch
        {
            "StringEquals" => (StringOperator.Equals, false),
            "StringNotEquals" => (StringOperator.Equals, true),
            "StringEqualsIgnoreCase" => (StringOperator.EqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringOperator.EqualsIgnoreCase, true),
            "StringLike" => (StringOperator.Like, false),
            "StringNotLike" => (StringOperator.Like, true),
            "Null" when qualifier == SetQualifier.None && !ifExists => (StringOperator.Null, false),
            _ => throw new PolicyException($"Condition operator '{op}' is not supported. Supported: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, Null (with ForAnyValue:/ForAllValues: and IfExists)."),
        };
        return new PolicyCondition(op, key, values, qualifier, ifExists, match, negated);
    }

    /// <summary>Evaluates against the request's values for the key (null when the key is absent).</summary>
    public bool IsSatisfied(IReadOnlyList<string>? requestValues)
    {
        if (Match == StringOperator.Null)
        {
            var wantAbsent = Values.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase));
            return wantAbsent == (requestValues is null || requestValues.Count == 0);
        }

        if (requestValues is null || requestValues.Count == 0)
        {
            // IAM: an absent key fails a condition, except IfExists, negated operators, and ForAllValues (vacuous truth).
            return IfExists || Negated || Qualifier == SetQualifier.ForAllValues;
        }

        bool MatchesAny(string value) => Values.Any(pattern => Match switch
        {
            StringOperator.Equals => string.Equals(pattern, value, StringComparison.Ordinal),
            StringOperator.EqualsIgnoreCase => string.Equals(pattern, value, StringComparison.OrdinalIgnoreCase),
            _ => Wildcard.IsMatch(pattern, value, ignoreCase: false),
        });

        return Qualifier switch
        {
            SetQualifier.ForAllValues => requestValues.All(v => MatchesAny(v) != Negated),
            SetQualifier.ForAnyValue => requestValues.Any(v => MatchesAny(v) != Negated),
            _ => Negated ? !requestValues.Any(MatchesAny) : requestValues.Any(MatchesAny),
        };
    }
}

public enum SetQualifier
{
    None,
    ForAnyValue,
    ForAllValues,
}

public enum StringOperator
{
    Equals,
    EqualsIgnoreCase,
    Like,
    Null,
}
