namespace OpenIvs.Protocol.Model;

/// <summary>
/// A string-valued enum of the model. Unknown values are kept (not rejected) so that a value the service
/// adds later survives a round trip through an older client.
/// </summary>
public interface IStringEnum<TSelf> : IEquatable<TSelf>
    where TSelf : struct, IStringEnum<TSelf>
{
    /// <summary>The value as sent on the wire.</summary>
    string Value { get; }

    /// <summary>Whether the value is one the model defines.</summary>
    bool IsKnown { get; }

    /// <summary>The values the model defines.</summary>
    static abstract IReadOnlyList<TSelf> Values { get; }

    /// <summary>Wraps a wire value, known or not.</summary>
    static abstract TSelf Create(string value);
}
