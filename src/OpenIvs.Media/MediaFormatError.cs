namespace OpenIvs.Media;

/// <summary>Why a media format parser (AMF0, FLV, codec configuration) rejected its input.</summary>
public enum MediaFormatError
{
    /// <summary>The input ended before the structure did.</summary>
    Truncated,

    /// <summary>A field held a value the format does not allow.</summary>
    InvalidValue,

    /// <summary>A valid construct this library does not handle (for example the AMF3 switch marker).</summary>
    Unsupported,

    /// <summary>AMF nesting deeper than <see cref="Amf.AmfLimits.MaxNestingDepth"/>.</summary>
    NestingTooDeep,

    /// <summary>More AMF values than <see cref="Amf.AmfLimits.MaxElements"/> (references count their target's size).</summary>
    TooManyElements,

    /// <summary>An AMF string longer than <see cref="Amf.AmfLimits.MaxStringLength"/>.</summary>
    StringTooLong,

    /// <summary>An AMF reference to an unknown or still incomplete object.</summary>
    InvalidReference,
}
