using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Server.Resources;

/// <summary>
/// The one pagination scheme of every list operation. Items are listed in the order of a key fixed for
/// their life (<see cref="PageKey"/>: the creation sequence for stored resources, the start time and
/// stream id for streams and sessions), and a <c>nextToken</c> carries the key of the last item returned.
/// The next page continues strictly after that key, so items created meanwhile appear at the end (or, in
/// a newest-first listing, are not mixed in) and items deleted meanwhile are simply absent: nothing is
/// skipped or repeated. Tokens are opaque and tamper-proof: HMAC-SHA256 under a key kept in the database
/// (so they work across a restart), over the key and a digest of the listing's filters (so a token cannot
/// be replayed on another listing); anything else is refused.
/// </summary>
public sealed class PaginationTokens(byte[] key)
{
    private const byte Version = 2;
    private const int MacLength = 16;
    private const int HeaderLength = 1 + 8 + 8 + 1;
    private const int MaxIdLength = 64;

    /// <summary>
    /// One page of <paramref name="ordered"/> (sorted by <paramref name="keyOf"/>, ascending or, when
    /// <paramref name="descending"/>, newest first) after the token's key; a token when more items follow.
    /// </summary>
    public (List<TOut> Items, string? NextToken) Page<T, TOut>(
        string listing,
        string? nextToken,
        int maxResults,
        ReadOnlySpan<T> ordered,
        Func<T, PageKey> keyOf,
        Func<T, TOut> map,
        Func<T, bool>? filter = null,
        bool descending = false)
    {
        var start = Read(listing, nextToken) is { } after ? FirstAfter(ordered, keyOf, after, descending) : 0;
        var items = new List<TOut>(Math.Min(maxResults, ordered.Length - start));
        PageKey last = default;
        for (var i = start; i < ordered.Length; i++)
        {
            var item = ordered[i];
            if (filter is not null && !filter(item))
            {
                continue;
            }

            if (items.Count == maxResults)
            {
                return (items, Create(listing, last));
            }

            items.Add(map(item));
            last = keyOf(item);
        }

        return (items, null);
    }

    public string Create(string listing, PageKey after)
    {
        var idLength = Encoding.UTF8.GetByteCount(after.Id);
        if (idLength > MaxIdLength)
        {
            throw new ArgumentException($"Page key ids are at most {MaxIdLength} bytes.", nameof(after));
        }

        Span<byte> token = stackalloc byte[HeaderLength + MaxIdLength + MacLength];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token[1..], ListingDigest(listing));
        BinaryPrimitives.WriteInt64BigEndian(token[9..], after.Position);
        token[17] = (byte)idLength;
        Encoding.UTF8.GetBytes(after.Id, token[HeaderLength..]);
        var payload = HeaderLength + idLength;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, token[..payload], mac);
        mac[..MacLength].CopyTo(token[payload..]);
        return Convert.ToBase64String(token[..(payload + MacLength)]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The key to continue after; null without a token. Throws <see cref="ValidationException"/> for a bad one.</summary>
    public PageKey? Read(string listing, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[HeaderLength + MaxIdLength + MacLength];
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        if (!Convert.TryFromBase64String(base64, bytes, out var length)
            || length < HeaderLength + MacLength
            || bytes[0] != Version
            || length != HeaderLength + bytes[17] + MacLength)
        {
            throw Invalid();
        }

        var payload = length - MacLength;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, bytes[..payload], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], bytes[payload..length])
            || BinaryPrimitives.ReadInt64BigEndian(bytes[1..]) != ListingDigest(listing))
        {
            throw Invalid();
        }

        return new PageKey(BinaryPrimitives.ReadInt64BigEndian(bytes[9..]), Encoding.UTF8.GetString(bytes[HeaderLength..payload]));
    }

    /// <summary>The index of the first item past <paramref name="after"/> in listing order (binary search).</summary>
    private static int FirstAfter<T>(ReadOnlySpan<T> ordered, Func<T, PageKey> keyOf, PageKey after, bool descending)
    {
        int low = 0, high = ordered.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            var comparison = keyOf(ordered[mid]).CompareTo(after);
            if (descending ? comparison >= 0 : comparison <= 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
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
