using System.Collections.Concurrent;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Api.Faults;

/// <summary>
/// Injected errors, for testing how clients handle errors that are hard to provoke (throttling, 5xx,
/// PendingVerification). Off unless <c>--enable-fault-injection</c>; rules are set at
/// <c>POST /_openivs/faults</c> and answer the next <c>Count</c> calls of an operation with the error.
/// </summary>
public sealed class FaultInjector
{
    private readonly ConcurrentDictionary<string, FaultRule> _rules = new(StringComparer.Ordinal);

    public IReadOnlyCollection<FaultRule> Rules => _rules.Values.ToArray();

    public void Add(FaultRule rule)
    {
        if (IvsOperations.All.All(o => o.Name != rule.Operation))
        {
            throw new ValidationException($"Unknown operation '{rule.Operation}'.");
        }

        if (rule.Count < 1)
        {
            throw new ValidationException("count must be at least 1.");
        }

        if (IvsErrors.TryCreate(rule.ErrorCode, null) is null)
        {
            throw new ValidationException($"Unknown error code '{rule.ErrorCode}'. Known: {string.Join(", ", IvsErrors.Codes)}.");
        }

        _rules[rule.Operation] = rule with { Remaining = rule.Count };
    }

    public void Clear() => _rules.Clear();

    /// <summary>Throws the injected error if a rule for this operation has calls left.</summary>
    public void ThrowIfInjected(OperationInfo operation)
    {
        if (_rules.IsEmpty || !_rules.TryGetValue(operation.Name, out var rule))
        {
            return;
        }

        if (Interlocked.Decrement(ref rule.Remaining) < 0)
        {
            _rules.TryRemove(new KeyValuePair<string, FaultRule>(operation.Name, rule));
            return;
        }

        throw IvsErrors.TryCreate(rule.ErrorCode, rule.Message ?? $"Injected {rule.ErrorCode} for {operation.Name}.")!;
    }
}

/// <summary>Answer the next <paramref name="Count"/> calls of <paramref name="Operation"/> with an error.</summary>
public sealed record FaultRule(string Operation, string ErrorCode, int Count, string? Message)
{
    internal int Remaining;
}
