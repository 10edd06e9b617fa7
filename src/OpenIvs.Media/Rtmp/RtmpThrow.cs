using System.Diagnostics.CodeAnalysis;

namespace OpenIvs.Media.Rtmp;

/// <summary>The single place RTMP parsers throw from, so the hot paths stay small and inlineable.</summary>
internal static class RtmpThrow
{
    [DoesNotReturn]
    public static void Protocol(RtmpProtocolError error, string message, Exception? innerException = null) =>
        throw new RtmpProtocolException(error, message, innerException);

    [DoesNotReturn]
    public static T Protocol<T>(RtmpProtocolError error, string message) =>
        throw new RtmpProtocolException(error, message);
}
