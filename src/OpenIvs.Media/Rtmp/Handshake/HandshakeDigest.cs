using System.Security.Cryptography;

namespace OpenIvs.Media.Rtmp.Handshake;

/// <summary>
/// The HMAC-SHA256 digests of the "FP9" handshake. A packet carries a 32-byte digest at an offset derived from
/// four of its own bytes; the digest covers the packet without those 32 bytes. The client signs with the
/// Flash Player key, the server with the Flash Media Server key; S2 ends with a signature keyed by the client's digest.
/// </summary>
internal static class HandshakeDigest
{
    public const int DigestLength = 32;

    // Well-known protocol constants: an ASCII label followed by the same 32 bytes for both sides.
    private static ReadOnlySpan<byte> KeySuffix =>
    [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ];

    private static readonly byte[] s_playerKey = [.. "Genuine Adobe Flash Player 001"u8, .. KeySuffix];
    private static readonly byte[] s_serverKey = [.. "Genuine Adobe Flash Media Server 001"u8, .. KeySuffix];

    /// <summary>The client's key: the 30-byte label only.</summary>
    public static ReadOnlySpan<byte> PlayerKey => s_playerKey.AsSpan(0, 30);

    /// <summary>The server's key for S1: the 36-byte label only.</summary>
    public static ReadOnlySpan<byte> ServerKey => s_serverKey.AsSpan(0, 36);

    /// <summary>The server's full 68-byte key, used to derive the S2 signing key.</summary>
    public static ReadOnlySpan<byte> ServerFullKey => s_serverKey;

    /// <summary>Where the digest of a 1536-byte packet sits for a scheme.</summary>
    public static int GetDigestOffset(ReadOnlySpan<byte> packet, RtmpHandshakeScheme scheme)
    {
        var start = scheme == RtmpHandshakeScheme.Digest0 ? 8 : 772;
        var sum = packet[start] + packet[start + 1] + packet[start + 2] + packet[start + 3];
        return sum % 728 + start + 4;
    }

    /// <summary>HMAC-SHA256 of the packet without the 32 bytes at <paramref name="digestOffset"/>.</summary>
    public static void Compute(ReadOnlySpan<byte> packet, int digestOffset, ReadOnlySpan<byte> key, Span<byte> digest)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(packet[..digestOffset]);
        hmac.AppendData(packet[(digestOffset + DigestLength)..]);
        hmac.GetHashAndReset(digest);
    }

    /// <summary>True when the packet carries a valid digest for <paramref name="scheme"/> under <paramref name="key"/>.</summary>
    public static bool IsValid(ReadOnlySpan<byte> packet, RtmpHandshakeScheme scheme, ReadOnlySpan<byte> key, out int digestOffset)
    {
        digestOffset = GetDigestOffset(packet, scheme);
        Span<byte> digest = stackalloc byte[DigestLength];
        Compute(packet, digestOffset, key, digest);
        return CryptographicOperations.FixedTimeEquals(digest, packet.Slice(digestOffset, DigestLength));
    }
}
