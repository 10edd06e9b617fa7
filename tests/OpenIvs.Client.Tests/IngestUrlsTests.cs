using OpenIvs.Client.Ingest;
using OpenIvs.Client.Tests.Infrastructure;
using OpenIvs.Protocol.Model;

namespace OpenIvs.Client.Tests;

/// <summary>Ingest URLs composed as IVS documents them, for IVS's bare hosts and OpenIVS's host:port endpoints.</summary>
public sealed class IngestUrlsTests
{
    private const string Key = "sk_us-west-2_9iKIdR9k01kK_WVUJrovqZaiLOafeVsf3dZfYhe5Mma";

    [Fact]
    public void AmazonIvsChannel()
    {
        var channel = new Channel
        {
            IngestEndpoint = "71f7fb9559d6.global-contribute.live-video.net",
            Srt = new Srt { Endpoint = "71f7fb9559d6.srt.live-video.net", Passphrase = "pass/phrase+1" },
        };

        var urls = IngestUrls.Create(channel, Key);

        Assert.Equal("rtmps://71f7fb9559d6.global-contribute.live-video.net:443/app/", urls.RtmpsServer);
        Assert.Equal("rtmps://71f7fb9559d6.global-contribute.live-video.net:443/app/" + Key, urls.Rtmps);
        Assert.Equal("rtmp://71f7fb9559d6.global-contribute.live-video.net:1935/app/" + Key, urls.Rtmp);
        Assert.Equal($"srt://71f7fb9559d6.srt.live-video.net:9000?streamid={Key}&passphrase=pass%2Fphrase%2B1", urls.Srt);
        Assert.Equal(Key, urls.StreamKey);
    }

    [Fact]
    public void InsecureIngestSrtHasNoPassphraseAndOpenIvsPortsAreKept()
    {
        var channel = new Channel { IngestEndpoint = "127.0.0.1:4443", InsecureIngest = true, Srt = new Srt { Endpoint = "127.0.0.1:9001", Passphrase = "p" } };

        var urls = IngestUrls.Create(channel, new StreamKey { Value = Key }, rtmpPort: 1936);

        Assert.Equal("rtmps://127.0.0.1:4443/app/" + Key, urls.Rtmps);
        Assert.Equal("rtmp://127.0.0.1:1936/app/" + Key, urls.Rtmp);
        Assert.Equal($"srt://127.0.0.1:9001?streamid={Key}", urls.Srt);
    }

    [Fact]
    public void ToStringNeverShowsTheKeyOrPassphrase()
    {
        var urls = IngestUrls.Create(new Channel { IngestEndpoint = "h", Srt = new Srt { Endpoint = "s", Passphrase = "secret-pass" } }, Key);
        Assert.DoesNotContain(Key, urls.ToString());
        Assert.DoesNotContain("secret-pass", urls.ToString());
    }

    [Fact]
    public void MissingPiecesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => IngestUrls.Create(new Channel(), Key));
        Assert.Throws<ArgumentException>(() => IngestUrls.Create(new Channel { IngestEndpoint = "h" }, new StreamKey()));
        Assert.Null(IngestUrls.Create(new Channel { IngestEndpoint = "h" }, Key).Srt);
    }

    [Fact]
    public async Task UrlsOfAChannelCreatedOnTheServer()
    {
        await using var server = await OpenIvsTestServer.StartAsync();
        using var client = server.CreateClient();
        var created = await client.CreateChannelAsync(new() { Name = "ingest" });

        var urls = IngestUrls.Create(created.Channel!, created.StreamKey!, rtmpPort: server.Options.RtmpEndPoint.Port);

        Assert.Equal($"rtmps://127.0.0.1:{server.Options.RtmpsEndPoint.Port}/app/{created.StreamKey!.Value}", urls.Rtmps);
        Assert.Equal($"rtmp://127.0.0.1:{server.Options.RtmpEndPoint.Port}/app/{created.StreamKey.Value}", urls.Rtmp);
        Assert.StartsWith("srt://", urls.Srt);
        Assert.Contains("streamid=" + created.StreamKey.Value, urls.Srt);
    }
}
