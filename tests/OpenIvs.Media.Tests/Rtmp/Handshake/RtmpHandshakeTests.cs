using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using OpenIvs.Media.Rtmp;
using OpenIvs.Media.Rtmp.Handshake;
using OpenIvs.Media.Tests.Testing;

namespace OpenIvs.Media.Tests.Rtmp.Handshake;

public class RtmpHandshakeTests
{
    private static readonly byte[] s_keySuffix = Hex.Bytes("F0EEC24A8068BEE82E00D0D1029E7E576EEC5D2D29806FAB93B8E636CFEB31AE");
    private static readonly byte[] s_playerKey = [.. "Genuine Adobe Flash Player 001"u8];
    private static readonly byte[] s_serverKey = [.. "Genuine Adobe Flash Media Server 001"u8];
    private static readonly byte[] s_serverFullKey = [.. s_serverKey, .. s_keySuffix];

    /// <summary>A C1 as a digest client (FFmpeg, librtmp with FP9) builds it, written here from the description of the scheme.</summary>
    public static byte[] DigestC1(RtmpHandshakeScheme scheme, int seed = 5)
    {
        var c1 = new byte[1536];
        new Random(seed).NextBytes(c1);
        BinaryPrimitives.WriteUInt32BigEndian(c1, 0);
        c1[4] = 9;
        c1[5] = 0;
        c1[6] = 124;
        c1[7] = 2;
        var offset = DigestOffset(c1, scheme);
        var digest = Hmac(s_playerKey, [.. c1.AsSpan(0, offset), .. c1.AsSpan(offset + 32)]);
        digest.CopyTo(c1, offset);
        return c1;
    }

    private static int DigestOffset(byte[] packet, RtmpHandshakeScheme scheme)
    {
        var start = scheme == RtmpHandshakeScheme.Digest0 ? 8 : 772;
        return (packet[start] + packet[start + 1] + packet[start + 2] + packet[start + 3]) % 728 + start + 4;
    }

    private static byte[] Hmac(byte[] key, byte[] data) => HMACSHA256.HashData(key, data);

    [Fact]
    public void SimpleHandshakeEchoesC1()
    {
        var c1 = new byte[1536];
        new Random(1).NextBytes(c1);
        c1.AsSpan(4, 4).Clear();
        var response = new byte[RtmpHandshake.ResponseLength];
        Assert.Equal(RtmpHandshakeScheme.Simple, RtmpHandshake.WriteS0S1S2(c1, response, 1234));
        Assert.Equal(3, response[0]);
        Assert.Equal(1234u, BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(1)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(5)));
        Assert.Equal(c1, response[1537..]);
    }

    [Theory]
    [InlineData(RtmpHandshakeScheme.Digest0)]
    [InlineData(RtmpHandshakeScheme.Digest1)]
    public void DigestHandshakeIsDetectedAndAnsweredWithValidDigests(RtmpHandshakeScheme scheme)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var c1 = DigestC1(scheme, seed);
            Assert.Equal(scheme, RtmpHandshake.DetectScheme(c1, out var clientOffset));
            Assert.Equal(DigestOffset(c1, scheme), clientOffset);

            var response = new byte[RtmpHandshake.ResponseLength];
            Assert.Equal(scheme, RtmpHandshake.WriteS0S1S2(c1, response, 0));
            var s1 = response[1..1537];
            var s2 = response[1537..];

            // S1 carries the server digest at the client's scheme, keyed with the FMS key (what clients validate).
            var serverOffset = DigestOffset(s1, scheme);
            var expected = Hmac(s_serverKey, [.. s1.AsSpan(0, serverOffset), .. s1.AsSpan(serverOffset + 32)]);
            Assert.Equal(expected, s1[serverOffset..(serverOffset + 32)]);
            Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(s1.AsSpan(4)));

            // S2 ends with a signature keyed by HMAC(full FMS key, client digest).
            var key = Hmac(s_serverFullKey, c1[clientOffset..(clientOffset + 32)]);
            Assert.Equal(Hmac(key, s2[..1504]), s2[1504..]);
        }
    }

    [Fact]
    public void NonZeroVersionWithoutAValidDigestGetsTheSimpleAnswer()
    {
        var c1 = DigestC1(RtmpHandshakeScheme.Digest0);
        c1[DigestOffset(c1, RtmpHandshakeScheme.Digest0)] ^= 1;
        Assert.Equal(RtmpHandshakeScheme.Simple, RtmpHandshake.DetectScheme(c1, out _));
        var response = new byte[RtmpHandshake.ResponseLength];
        Assert.Equal(RtmpHandshakeScheme.Simple, RtmpHandshake.WriteS0S1S2(c1, response, 0));
        Assert.Equal(c1, response[1537..]);
    }

    [Fact]
    public void ReadsC0C1AndC2AtEverySplit()
    {
        var c1 = DigestC1(RtmpHandshakeScheme.Digest1);
        var c2 = Hex.Fill(1536, 3);
        var data = Hex.Concat([3], c1, c2, [0xAB]);
        foreach (var split in new[] { 0, 1, 2, 700, 1536, 1537, 1538, 2000, 3072, 3073, 3074 })
        {
            var reads = Sequences.Feed<int, int>(data, [split], Step(), x => x);
            Assert.Equal([1, 2], reads);
        }

        static Sequences.TryRead<int> Step()
        {
            var state = 0;
            var copy = new byte[1536];
            return (ref ReadOnlySequence<byte> buffer, out int item) =>
            {
                item = 0;
                if (state == 0 && RtmpHandshake.TryReadC0C1(ref buffer, copy))
                {
                    item = state = 1;
                    return true;
                }

                if (state == 1 && RtmpHandshake.TryReadC2(ref buffer))
                {
                    item = state = 2;
                    return true;
                }

                return false;
            };
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(0x47)] // 'G' of an HTTP request
    [InlineData(0)]
    public void OtherVersionsAreRejectedFromTheFirstByte(byte version)
    {
        var buffer = new ReadOnlySequence<byte>([version]);
        var error = Assert.Throws<RtmpProtocolException>(() => RtmpHandshake.TryReadC0C1(ref buffer, new byte[1536]));
        Assert.Equal(RtmpProtocolError.UnsupportedVersion, error.Error);
    }
}
