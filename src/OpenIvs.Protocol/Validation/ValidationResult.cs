using System.Globalization;
using System.Text.RegularExpressions;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Protocol.Validation;

/// <summary>
/// Collects constraint failures in the wording AWS services use
/// (<c>Value 'x' at 'name' failed to satisfy constraint: Member must ...</c>). A struct passed by
/// reference: nothing is allocated until something fails.
/// </summary>
public struct ValidationResult
{
    private const int MaxShownValueLength = 64;
    private List<string>? _errors;

    public readonly bool IsValid => _errors is null;

    public readonly IReadOnlyList<string> Errors => _errors ?? (IReadOnlyList<string>)[];

    /// <summary>
    /// The message of the <c>ValidationException</c>: <c>1 validation error detected: ...</c>, failures joined by "; ".
    /// </summary>
    public readonly string Message
    {
        get
        {
            var count = _errors?.Count ?? 0;
            var noun = count == 1 ? "error" : "errors";
            return count == 0
                ? string.Empty
                : $"{count} validation {noun} detected: {string.Join("; ", _errors!)}";
        }
    }

    public void Add(string error) => (_errors ??= []).Add(error);

    public void Required(bool present, in ValidationPath path)
    {
        if (!present)
        {
            Add($"Value null at '{path}' failed to satisfy constraint: Member must not be null");
        }
    }

    public void Length(string? value, long? min, long? max, in ValidationPath path, bool sensitive = false)
    {
        if (value is null)
        {
            return;
        }

        // Smithy counts Unicode scalar values; only count them when the UTF-16 length is near a bound.
        var length = (long)value.Length;
        if ((min is not null && length < min) || (max is not null && length > max))
        {
            length = value.EnumerateRunes().Count();
        }

        if (min is not null && length < min)
        {
            Add($"{Shown(value, sensitive)} at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
        else if (max is not null && length > max)
        {
            Add($"{Shown(value, sensitive)} at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }
    }

    public void Count(int? count, long? min, long? max, in ValidationPath path)
    {
        if (count is null)
        {
            return;
        }

        if (min is not null && count < min)
        {
            Add($"Value with {count} elements at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
        else if (max is not null && count > max)
        {
            Add($"Value with {count} elements at '{path}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }
    }

    public void Range(long? value, long? min, long? max, in ValidationPath path)
    {
        if (value is null)
        {
            return;
        }

        if (min is not null && value < min)
        {
            Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {min}");
        }
        else if (max is not null && value > max)
        {
            Add($"Value '{value}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {max}");
        }
    }

    public void Pattern(string? value, Regex regex, in ValidationPath path, bool sensitive = false)
    {
        if (value is null)
        {
            return;
        }

        bool matches;
        try
        {
            matches = regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            matches = false;
        }

        if (!matches)
        {
            Add($"{Shown(value, sensitive)} at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {regex}");
        }
    }

    public void Enum<T>(T? value, in ValidationPath path)
        where T : struct, IStringEnum<T>
    {
        if (value is { } present)
        {
            Enum(present, path);
        }
    }

    public void Enum<T>(T value, in ValidationPath path)
        where T : struct, IStringEnum<T>
    {
        if (value is { IsKnown: false } unknown)
        {
            var known = string.Join(", ", T.Values.Select(v => v.Value));
            Add($"{Shown(unknown.Value, false)} at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{known}]");
        }
    }

    private static string Shown(string value, bool sensitive)
    {
        if (sensitive)
        {
            return "Value";
        }

        var shown = value.Length > MaxShownValueLength ? value[..MaxShownValueLength] + "..." : value;
        return string.Create(CultureInfo.InvariantCulture, $"Value '{shown}'");
    }
}
