using System.Diagnostics.CodeAnalysis;

namespace OpenIvs.Media;

/// <summary>The single place media format parsers throw from.</summary>
internal static class MediaThrow
{
    [DoesNotReturn]
    public static void Format(MediaFormatError error, string message) =>
        throw new MediaFormatException(error, message);

    [DoesNotReturn]
    public static T Format<T>(MediaFormatError error, string message) =>
        throw new MediaFormatException(error, message);

    [DoesNotReturn]
    public static void Truncated(string what) =>
        throw new MediaFormatException(MediaFormatError.Truncated, $"{what} is truncated.");
}
