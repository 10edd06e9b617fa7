using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Resources;

/// <summary>
/// Opaque, tamper-proof <c>nextToken</c>s. A token carries the creation sequence of the last item
/// returned, so pages stay correct while items are created (they appear at the end) and deleted (they
/// are skipped), and a digest of the list's filters so a token cannot be replayed on another listing.
/// It is authenticated with HMAC-SHA256 under a key kept in the database; anything else is refused.
/// </summary>
public sealed class PaginationTokens(byte[] key)
{
    private const byte Version = 1;
    private const int MacLength = 16;
    private const int PayloadLength = 1 + 8 + 8;

    public string Create(string listing, long afterSequence)
    {
        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token[1..], ListingDigest(listing));
        BinaryPrimitives.WriteInt64BigEndian(token[9..], afterSequence);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, token[..PayloadLength], mac);
        mac[..MacLength].CopyTo(token[PayloadLength..]);
        return Convert.ToBase64String(token).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Returns the sequence to continue after; 0 without a token. Throws <see cref="ValidationException"/> for a bad one.</summary>
    public long Read(string listing, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        Span<byte> bytes = stackalloc byte[64];
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        if (!Convert.TryFromBase64String(base64, bytes, out var length) || length != PayloadLength + MacLength || bytes[0] != Version)
        {
            throw Invalid();
        }

        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, bytes[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], bytes[PayloadLength..length])
            || BinaryPrimitives.ReadInt64BigEndian(bytes[1..]) != ListingDigest(listing))
        {
            throw Invalid();
        }

        return BinaryPrimitives.ReadInt64BigEndian(bytes[9..]);
    }

    private static ValidationException Invalid() =>
        new("The nextToken is not valid for this request. Pass back the token from the previous page of the same listing.");

    private static long ListingDigest(string listing)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(listing), hash);
        return BinaryPrimitives.ReadInt64BigEndian(hash);
    }
}
