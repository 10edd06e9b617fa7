namespace OpenIvs.Media;

/// <summary>Malformed or over-limit input to a media format parser (AMF0, FLV tags, avcC/hvcC/av1C, SPS, AudioSpecificConfig).</summary>
public sealed class MediaFormatException : Exception
{
    public MediaFormatException(MediaFormatError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>The typed reason.</summary>
    public MediaFormatError Error { get; }
}
