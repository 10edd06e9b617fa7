namespace OpenIvs.Media.Amf;

/// <summary>
/// Bounds for decoding one AMF0 payload (a command or data message). An "AMF bomb" (deep nesting, huge declared
/// lengths or counts, reference fan-out) fails with a <see cref="MediaFormatException"/> before it can allocate
/// more than these bounds imply.
/// </summary>
public sealed class AmfLimits
{
    private int _maxNestingDepth = 16;
    private int _maxElements = 4096;
    private int _maxStringLength = 64 * 1024;

    /// <summary>Shared defaults; treat as read-only.</summary>
    public static AmfLimits Default { get; } = new();

    /// <summary>
    /// Deepest nesting of objects/arrays. Default 16 (a <c>connect</c> command needs 2). Range 1..256.
    /// </summary>
    public int MaxNestingDepth
    {
        get => _maxNestingDepth;
        set => _maxNestingDepth = Validate(value, 1, 256, nameof(MaxNestingDepth));
    }

    /// <summary>
    /// Most values (including property values and array items) in one payload; a reference counts as many values as
    /// its target holds, so sharing cannot amplify what a consumer walks. Default 4096. Range 1..1,000,000.
    /// </summary>
    public int MaxElements
    {
        get => _maxElements;
        set => _maxElements = Validate(value, 1, 1_000_000, nameof(MaxElements));
    }

    /// <summary>Longest string or property name in UTF-8 bytes. Default 64 KiB. Range 16..16 MiB.</summary>
    public int MaxStringLength
    {
        get => _maxStringLength;
        set => _maxStringLength = Validate(value, 16, 16 * 1024 * 1024, nameof(MaxStringLength));
    }

    private static int Validate(int value, int min, int max, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, min, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, max, name);
        return value;
    }
}
