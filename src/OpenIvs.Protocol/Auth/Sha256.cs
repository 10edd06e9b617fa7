using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace OpenIvs.Protocol.Auth;

/// <summary>
/// SHA-256 and HMAC-SHA256 of the short messages SigV4 hashes on every request (the body, the canonical
/// request, the string to sign).
/// </summary>
/// <remarks>
/// <para>Why libcrypto: on Linux these call OpenSSL's SHA-256 functions directly. .NET's one-shot APIs go
/// through OpenSSL 3's EVP layer, whose per-call setup (a context, a provider lookup under a lock, the
/// error queue) costs 0.5 to 2 µs, several times the hashing of a few hundred bytes, and was a tenth of the
/// server's CPU on GetChannel (bench/api, docs/benchmarks.md). <c>SHA256_Init/Update/Final</c> hash into a
/// context the caller owns, so a keyed HMAC state can be computed once per signing key and copied.</para>
/// <para>Where it can't: the direct path is chosen once, when this type is first used, and only when the
/// process runs on Linux, <c>libcrypto.so.3</c> loads and exports all three functions, and
/// <c>OPENIVS_SHA256_DOTNET</c> is not <c>1</c>. Otherwise (Windows, macOS, a system with only OpenSSL 1.1,
/// a future OpenSSL that drops these deprecated functions, or an operator who wants every hash to go
/// through the configured provider, e.g. FIPS) every call uses <see cref="SHA256"/> and
/// <see cref="HMACSHA256"/>: the same results (tests/OpenIvs.Protocol.Tests/Auth/Sha256Tests.cs compares
/// both), slower by the setup above, nothing else changes. Inputs over 4 KiB always take the .NET path.</para>
/// </remarks>
internal static unsafe class Sha256
{
    public const int HashSize = 32;
    private const int BlockSize = 64;

    // SHA256_CTX is 112 bytes (eight state words, two length words, a 64-byte block, two counters): a plain
    // struct OpenSSL lets callers own, so a keyed state can be kept and copied. Rounded up for safety.
    private const int ContextSize = 128;

    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, int> s_init;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, nuint, int> s_update;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, int> s_final;

    static Sha256()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OPENIVS_SHA256_DOTNET") == "1"
            || !NativeLibrary.TryLoad("libcrypto.so.3", out var library)
            || !NativeLibrary.TryGetExport(library, "SHA256_Init", out var init)
            || !NativeLibrary.TryGetExport(library, "SHA256_Update", out var update)
            || !NativeLibrary.TryGetExport(library, "SHA256_Final", out var final))
        {
            return;
        }

        s_init = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, int>)init;
        s_update = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, nuint, int>)update;
        s_final = (delegate* unmanaged[Cdecl, SuppressGCTransition]<byte*, byte*, int>)final;
    }

    /// <summary>True when hashing calls libcrypto directly rather than through .NET's APIs.</summary>
    public static bool IsNative => s_init != null;

    // Longer inputs go through .NET: a native call that skips the GC transition must stay short (4 KB is
    // a few microseconds; SigV4's canonical requests and strings to sign are well under it).
    private const int MaxNativeLength = 4 * 1024;

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (!IsNative || data.Length > MaxNativeLength)
        {
            SHA256.HashData(data, destination);
            return;
        }

        var context = stackalloc byte[ContextSize];
        s_init(context);
        Update(context, data);
        Final(context, destination);
    }

    private static void Update(byte* context, ReadOnlySpan<byte> data)
    {
        fixed (byte* bytes = data)
        {
            s_update(context, bytes, (nuint)data.Length);
        }
    }

    private static void Final(byte* context, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HashSize);
        fixed (byte* output = destination)
        {
            s_final(output, context);
        }
    }

    /// <summary>
    /// An HMAC-SHA256 key with its inner and outer states precomputed (RFC 2104), so each MAC hashes only
    /// the message and the inner digest.
    /// </summary>
    public sealed class HmacKey
    {
        private readonly byte[] _key;
        private readonly byte[]? _states; // inner then outer SHA256_CTX, each after one padded key block

        public HmacKey(ReadOnlySpan<byte> key)
        {
            _key = key.ToArray();
            if (!IsNative || key.Length > BlockSize)
            {
                return;
            }

            Span<byte> pad = stackalloc byte[BlockSize];
            _states = new byte[2 * ContextSize];
            fixed (byte* states = _states)
            {
                foreach (var (offset, value) in new[] { (0, (byte)0x36), (ContextSize, (byte)0x5c) })
                {
                    pad.Fill(value);
                    for (var i = 0; i < key.Length; i++)
                    {
                        pad[i] ^= key[i];
                    }

                    s_init(states + offset);
                    Update(states + offset, pad);
                }
            }

            CryptographicOperations.ZeroMemory(pad);
        }

        public void Compute(ReadOnlySpan<byte> message, Span<byte> destination)
        {
            if (_states is null || message.Length > MaxNativeLength)
            {
                HMACSHA256.HashData(_key, message, destination);
                return;
            }

            var context = stackalloc byte[ContextSize];
            Span<byte> inner = stackalloc byte[HashSize];
            fixed (byte* states = _states)
            {
                new ReadOnlySpan<byte>(states, ContextSize).CopyTo(new Span<byte>(context, ContextSize));
                Update(context, message);
                Final(context, inner);
                new ReadOnlySpan<byte>(states + ContextSize, ContextSize).CopyTo(new Span<byte>(context, ContextSize));
                Update(context, inner);
                Final(context, destination);
            }
        }
    }
}
