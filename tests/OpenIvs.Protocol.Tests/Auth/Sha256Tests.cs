using System.Security.Cryptography;
using System.Text;
using OpenIvs.Protocol.Auth;

namespace OpenIvs.Protocol.Tests.Auth;

/// <summary>The direct libcrypto SHA-256 and HMAC against .NET's implementations and RFC 4231.</summary>
public sealed class Sha256Tests
{
    public static TheoryData<int> Lengths => [0, 1, 55, 56, 63, 64, 65, 119, 128, 300, 1000, 4 * 1024, 4 * 1024 + 1, 100_000];

    [Fact]
    public void OnLinuxTheHashesCallLibcryptoDirectly() =>
        Assert.Equal(OperatingSystem.IsLinux(), Sha256.IsNative);

    [Theory]
    [MemberData(nameof(Lengths))]
    public void HashMatchesDotNet(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var actual = new byte[32];
        Sha256.Hash(data, actual);
        Assert.Equal(SHA256.HashData(data), actual);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void HmacMatchesDotNet(int length)
    {
        var random = new Random(length);
        var message = new byte[length];
        random.NextBytes(message);
        foreach (var keyLength in new[] { 0, 1, 32, 63, 64, 65, 131 })
        {
            var key = new byte[keyLength];
            random.NextBytes(key);
            var actual = new byte[32];
            new Sha256.HmacKey(key).Compute(message, actual);
            Assert.Equal(HMACSHA256.HashData(key, message), actual);
        }
    }

    [Fact]
    public void HmacKeyIsReusable()
    {
        var key = new Sha256.HmacKey(Encoding.ASCII.GetBytes("Jefe"));
        var first = new byte[32];
        var second = new byte[32];
        key.Compute("what do ya want for nothing?"u8, first);
        key.Compute("what do ya want for nothing?"u8, second);
        // RFC 4231, test case 2.
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(first));
        Assert.Equal(first, second);
    }
}
