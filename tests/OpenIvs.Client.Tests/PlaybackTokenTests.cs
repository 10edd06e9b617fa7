using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Client.Tests.Infrastructure;

namespace OpenIvs.Client.Tests;

/// <summary>
/// Playback tokens verified by an independent JWT library (jose, in node) with the public key, carrying
/// exactly the header and claims IVS expects (behaviour spec section 6.1).
/// </summary>
public sealed class PlaybackTokenTests
{
    private const string ChannelArn = "arn:aws:ivs:us-west-2:123456789012:channel/abcdABCDefgh";

    [Fact]
    public async Task EveryClaimVerifiesWithJose()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var signer = PlaybackTokenSigner.FromPem(key.ExportECPrivateKeyPem());
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);

        var token = signer.Sign(new PlaybackTokenClaims
        {
            ChannelArn = ChannelArn,
            ExpiresAt = expires,
            AllowedOrigins = ["https://example.com", "https://*.example.org"],
            StrictOriginEnforcement = true,
            SingleUseId = "5f0c5a8e-0f3b-4b8e-9a53-0c7d1b4a1e11",
            ViewerId = "viewer-42",
            ViewerSessionVersion = 1700000000,
            MaximumResolution = PlaybackMaximumResolution.FullHd,
        });

        var verified = await NodeDriver.RunAsync("verify-playback-token.mjs", new JsonObject { ["token"] = token, ["publicKeyPem"] = key.ExportSubjectPublicKeyInfoPem() });

        Assert.True(verified["ok"]!.GetValue<bool>(), verified["error"]?.ToString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"alg":"ES384","typ":"JWT"}"""), verified["protectedHeader"]), verified["protectedHeader"]!.ToJsonString());
        var expected = new JsonObject
        {
            ["aws:channel-arn"] = ChannelArn,
            ["aws:access-control-allow-origin"] = "https://example.com,https://*.example.org",
            ["aws:strict-origin-enforcement"] = true,
            ["aws:single-use-uuid"] = "5f0c5a8e-0f3b-4b8e-9a53-0c7d1b4a1e11",
            ["aws:viewer-id"] = "viewer-42",
            ["aws:viewer-session-version"] = 1700000000,
            ["aws:maximum-resolution"] = "FULL_HD",
            ["exp"] = expires.ToUnixTimeSeconds(),
        };
        Assert.True(JsonNode.DeepEquals(expected, verified["payload"]), verified["payload"]!.ToJsonString());
    }

    [Fact]
    public async Task MinimalTokenHasOnlyChannelAndExpiryAndATamperedOneFails()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var signer = new PlaybackTokenSigner(key);
        var expires = DateTimeOffset.UtcNow.AddHours(2);
        var token = signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = expires });

        var verified = await NodeDriver.RunAsync("verify-playback-token.mjs", new JsonObject { ["token"] = token, ["publicKeyPem"] = key.ExportSubjectPublicKeyInfoPem() });
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["aws:channel-arn"] = ChannelArn, ["exp"] = expires.ToUnixTimeSeconds() }, verified["payload"]));

        var parts = token.Split('.');
        var forged = parts[0] + "." + Base64Url(Encoding.UTF8.GetBytes($$"""{"aws:channel-arn":"{{ChannelArn}}x","exp":{{expires.ToUnixTimeSeconds()}}}""")) + "." + parts[2];
        var rejected = await NodeDriver.RunAsync("verify-playback-token.mjs", new JsonObject { ["token"] = forged, ["publicKeyPem"] = key.ExportSubjectPublicKeyInfoPem() });
        Assert.False(rejected["ok"]!.GetValue<bool>());

        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var wrongKey = await NodeDriver.RunAsync("verify-playback-token.mjs", new JsonObject { ["token"] = token, ["publicKeyPem"] = other.ExportSubjectPublicKeyInfoPem() });
        Assert.False(wrongKey["ok"]!.GetValue<bool>());
    }

    [Fact]
    public void SignatureIsEs384OverTheFirstTwoParts()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var signer = PlaybackTokenSigner.FromPem(key.ExportPkcs8PrivateKeyPem());
        var token = signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(1) });

        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal("""{"alg":"ES384","typ":"JWT"}""", Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])));
        var signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);
        Assert.Equal(96, signature.Length);
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void IvsRulesAreEnforced()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var signer = new PlaybackTokenSigner(key, time);
        var now = time.GetUtcNow();

        Assert.Throws<ArgumentException>(() => signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = now.AddMinutes(11), ViewerId = "v" }));
        Assert.Throws<ArgumentException>(() => signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = now.AddMinutes(11), SingleUseId = "u" }));
        Assert.NotNull(signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = now.AddMinutes(10), ViewerId = "v", SingleUseId = "u" }));
        Assert.Throws<ArgumentException>(() => signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = now.AddMinutes(1), ViewerId = new string('v', 41) }));
        Assert.Throws<ArgumentException>(() => signer.Sign(new PlaybackTokenClaims
        {
            ChannelArn = ChannelArn,
            ExpiresAt = now.AddMinutes(1),
            StrictOriginEnforcement = true,
            AllowedOrigins = ["https://1", "https://2", "https://3", "https://4", "https://5", "https://6"],
        }));
        Assert.Throws<ArgumentException>(() => signer.Sign(new PlaybackTokenClaims { ChannelArn = " ", ExpiresAt = now.AddMinutes(1) }));
        Assert.Throws<ArgumentException>(() => signer.Sign(new PlaybackTokenClaims { ChannelArn = ChannelArn, ExpiresAt = now.AddMinutes(1), ViewerSessionVersion = -1 }));
    }

    [Fact]
    public void KeysOtherThanP384PrivateAreRefusedWithoutEchoingThePem()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => new PlaybackTokenSigner(p256));
        var pem = p256.ExportECPrivateKeyPem();
        var error = Assert.Throws<ArgumentException>(() => PlaybackTokenSigner.FromPem(pem));
        Assert.DoesNotContain("PRIVATE KEY-----\n", error.Message);

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() => PlaybackTokenSigner.FromPem(p384.ExportSubjectPublicKeyInfoPem()));
    }

    [Fact]
    public void AuthorizeUrlAppendsTheToken()
    {
        Assert.Equal("https://x/a.m3u8?token=a.b.c", PlaybackTokenSigner.AuthorizeUrl("https://x/a.m3u8", "a.b.c"));
        Assert.Equal("https://x/a.m3u8?p=1&token=a.b.c", PlaybackTokenSigner.AuthorizeUrl("https://x/a.m3u8?p=1", "a.b.c"));
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
