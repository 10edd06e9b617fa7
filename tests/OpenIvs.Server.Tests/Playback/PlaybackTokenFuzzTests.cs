using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.AspNetCore.Http;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Resources.Records;
using OpenIvs.Server.Storage;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// The playback token parser (<see cref="PlaybackAuthorizer"/>) given malformed and mutated tokens: every one is
/// refused with a 403 error code, never an exception (which the origin would answer with a 500).
/// </summary>
public sealed class PlaybackTokenFuzzTests : IDisposable
{
    private const string ChannelArn = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh";
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly PlaybackAuthorizer _authorizer;
    private readonly Channel _channel = new() { Arn = ChannelArn, Authorized = true };
    private readonly string _valid;

    public PlaybackTokenFuzzTests()
    {
        var tables = new ResourceTables();
        var record = new PlaybackKeyPairRecord
        {
            KeyPair = new PlaybackKeyPair { Arn = "arn:aws:ivs:us-west-2:000000000000:playback-key/abcdABCDefgh", Name = "k" },
            PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem(),
        };
        ((IDocumentTable)tables.PlaybackKeyPairs).Load(new StoredDocument(tables.PlaybackKeyPairs.Kind, "abcdABCDefgh", 1,
            JsonSerializer.Serialize(record, tables.PlaybackKeyPairs.TypeInfo)));
        _authorizer = new PlaybackAuthorizer(tables, TimeProvider.System);
        using var signer = new PlaybackTokenSigner(_key);
        _valid = signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5), ViewerId = "v" });
    }

    public void Dispose() => _key.Dispose();

    public static TheoryData<string> Malformed() =>
    [
        "a.b.c", "abc.def.ghi", "a", "..", "a..b", "....", "%%%.%%%.%%%", "e30.e30.e30", "e30.e30.", ".e30.e30",
        "eyJhbGciOiJFUzM4NCJ9.e30.AAAA", "W10.e30.AAAA", "bnVsbA.e30.AAAA", "eyJhbGciOjV9.e30.AAAA", "e30=.e30=.e30=",
        "ey+/.ey+/.ey+/", "é.é.é", new string('a', 100_000), string.Join('.', Enumerable.Repeat(new string('A', 9000), 3)),
        "eyJhbGciOiJFUzM4NCJ9." + Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"exp\":")).TrimEnd('=') + "." + new string('A', 128),
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void AMalformedTokenIsRefused(string token)
    {
        var (grant, error, code) = _authorizer.Authorize(_channel, token, new DefaultHttpContext());

        Assert.Null(grant);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Equal("invalid_playback_auth_token", code);
    }

    [Fact]
    public void TheUnmutatedTokenIsGranted() => Assert.NotNull(_authorizer.Authorize(_channel, _valid, new DefaultHttpContext()).Grant);

    [Fact]
    public void MutatedTokensAreRefusedOrGrantedButNeverThrow() =>
        MutatedTokens.Sample(token =>
        {
            var (grant, error, code) = _authorizer.Authorize(_channel, token, new DefaultHttpContext());
            Assert.True(grant is not null || (error is not null && code is "invalid_playback_auth_token" or "playback_auth_error"), token);
        }, iter: 3000, threads: 1);

    [Fact]
    public void RandomTokensAreRefused() =>
        Gen.OneOf(
            Gen.String[Gen.Char["abcXYZ019-_+/=.%é\0 "], 0, 200],
            Gen.Select(Gen.Byte.Array[0, 80], Gen.Byte.Array[0, 80], Gen.Byte.Array[0, 120])
                .Select((h, p, s) => $"{Base64Url(h)}.{Base64Url(p)}.{Base64Url(s)}"),
            Gen.Select(Gen.String[0, 40], Gen.String[0, 40])
                .Select((h, p) => $"{Base64Url(Encoding.UTF8.GetBytes(h))}.{Base64Url(Encoding.UTF8.GetBytes(p))}.{new string('A', 128)}"))
        .Sample(token =>
        {
            var (grant, _, code) = _authorizer.Authorize(_channel, token, new DefaultHttpContext());
            Assert.Null(grant);
            Assert.Equal("invalid_playback_auth_token", code);
        }, iter: 3000, threads: 1);

    // Flips, replaces, drops or inserts a few characters of the valid token.
    private Gen<string> MutatedTokens =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, _valid.Length - 1], Gen.Char["AZaz09-_.=+/%é"]).Array[1, 5].Select(edits =>
        {
            var text = new StringBuilder(_valid);
            foreach (var (kind, position, value) in edits)
            {
                var at = Math.Min(position, Math.Max(0, text.Length - 1));
                switch (kind)
                {
                    case 0 when text.Length > 0:
                        text[at] = (char)(text[at] ^ 1);
                        break;
                    case 1 when text.Length > 0:
                        text[at] = value;
                        break;
                    case 2 when text.Length > 0:
                        text.Remove(at, 1);
                        break;
                    default:
                        text.Insert(at, value);
                        break;
                }
            }

            return text.ToString();
        });

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
