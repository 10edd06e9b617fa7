using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OpenIvs.Media.Rtmp.Handshake;

/// <summary>
/// The server side of the RTMP handshake as pure functions: read C0+C1, answer S0+S1+S2, read C2.
/// </summary>
/// <remarks>
/// Clients either send the plain handshake (C1 bytes 4..7 zero) or the Flash Player 9 digest variant (a non-zero
/// version in bytes 4..7 and an HMAC-SHA256 digest at a scheme 0 or scheme 1 offset), as FFmpeg and
/// librtmp/OBS do. A digest client gets S1 signed with the Flash Media Server key at the same scheme and an S2
/// signed with a key derived from its own digest, which is what such clients check. A C1 with a non-zero version
/// but no valid digest gets the plain answer.
/// </remarks>
public static class RtmpHandshake
{
    /// <summary>The only version accepted in C0 (plain RTMP; 6 and 8 are RTMPE).</summary>
    public const byte ProtocolVersion = 3;

    /// <summary>Length of C1, C2, S1 and S2.</summary>
    public const int PacketLength = 1536;

    /// <summary>Length of S0+S1+S2.</summary>
    public const int ResponseLength = 1 + 2 * PacketLength;

    /// <summary>The version S1 announces in digest mode (bytes 4..7).</summary>
    private static ReadOnlySpan<byte> ServerVersion => [5, 0, 3, 1];

    /// <summary>Reads C0 and C1; copies C1 into <paramref name="c1"/>. <c>false</c> only means more bytes are needed.</summary>
    /// <exception cref="RtmpProtocolException">C0 is not version 3.</exception>
    public static bool TryReadC0C1(ref ReadOnlySequence<byte> buffer, Span<byte> c1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(c1.Length, PacketLength, nameof(c1));
        if (buffer.IsEmpty)
        {
            return false;
        }

        var version = buffer.FirstSpan[0];
        if (version != ProtocolVersion)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnsupportedVersion, $"Handshake version {version} is not supported (only 3, plain RTMP).");
        }

        if (buffer.Length < 1 + PacketLength)
        {
            return false;
        }

        buffer.Slice(1, PacketLength).CopyTo(c1);
        buffer = buffer.Slice(1 + PacketLength);
        return true;
    }

    /// <summary>Reads (and discards) C2. <c>false</c> only means more bytes are needed.</summary>
    public static bool TryReadC2(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < PacketLength)
        {
            return false;
        }

        buffer = buffer.Slice(PacketLength);
        return true;
    }

    /// <summary>Tells which handshake the client used; for digest schemes also where its digest is.</summary>
    public static RtmpHandshakeScheme DetectScheme(ReadOnlySpan<byte> c1, out int clientDigestOffset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(c1.Length, PacketLength, nameof(c1));
        c1 = c1[..PacketLength];
        clientDigestOffset = -1;
        if (BinaryPrimitives.ReadUInt32BigEndian(c1[4..]) == 0)
        {
            return RtmpHandshakeScheme.Simple;
        }

        foreach (var scheme in (ReadOnlySpan<RtmpHandshakeScheme>)[RtmpHandshakeScheme.Digest0, RtmpHandshakeScheme.Digest1])
        {
            if (HandshakeDigest.IsValid(c1, scheme, HandshakeDigest.PlayerKey, out var offset))
            {
                clientDigestOffset = offset;
                return scheme;
            }
        }

        return RtmpHandshakeScheme.Simple;
    }

    /// <summary>
    /// Writes S0+S1+S2 (<see cref="ResponseLength"/> bytes) answering <paramref name="c1"/>, and returns the scheme used.
    /// </summary>
    /// <param name="c1">The client's C1.</param>
    /// <param name="destination">At least <see cref="ResponseLength"/> bytes.</param>
    /// <param name="serverTime">The S1 time field (milliseconds of some server epoch).</param>
    public static RtmpHandshakeScheme WriteS0S1S2(ReadOnlySpan<byte> c1, Span<byte> destination, uint serverTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ResponseLength, nameof(destination));
        var scheme = DetectScheme(c1, out var clientDigestOffset);
        c1 = c1[..PacketLength];
        destination[0] = ProtocolVersion;
        var s1 = destination.Slice(1, PacketLength);
        var s2 = destination.Slice(1 + PacketLength, PacketLength);
        RandomNumberGenerator.Fill(s1[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(s1, serverTime);
        if (scheme == RtmpHandshakeScheme.Simple)
        {
            s1.Slice(4, 4).Clear();
            c1.CopyTo(s2);
            return scheme;
        }

        ServerVersion.CopyTo(s1[4..]);
        var serverDigestOffset = HandshakeDigest.GetDigestOffset(s1, scheme);
        HandshakeDigest.Compute(s1, serverDigestOffset, HandshakeDigest.ServerKey, s1.Slice(serverDigestOffset, HandshakeDigest.DigestLength));

        Span<byte> signingKey = stackalloc byte[HandshakeDigest.DigestLength];
        HMACSHA256.HashData(HandshakeDigest.ServerFullKey, c1.Slice(clientDigestOffset, HandshakeDigest.DigestLength), signingKey);
        RandomNumberGenerator.Fill(s2);
        var signed = PacketLength - HandshakeDigest.DigestLength;
        HMACSHA256.HashData(signingKey, s2[..signed], s2[signed..]);
        return scheme;
    }
}
