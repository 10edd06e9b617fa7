using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Server.Tests.Infrastructure;
using static OpenIvs.Server.Tests.Ingest.IngestTests;
using static OpenIvs.Server.Tests.Recording.RecordingTests;

namespace OpenIvs.Server.Tests.Recording;

/// <summary>The embedded destination over HTTP: read-only, CORS, byte ranges, and who may read what.</summary>
public class RecordingObjectsTests
{
    [Fact]
    public async Task PublicPrivateAndOtherObjectsFollowTheirAccessRules()
    {
        await using var server = await TestServer.StartAsync();
        using var playbackKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await server.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = playbackKey.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
        var (publicArn, _) = await CreateChannelAsync(server);
        var (privateArn, _) = await CreateChannelAsync(server, """{"authorized":true}""");
        var (otherPrivateArn, _) = await CreateChannelAsync(server, """{"authorized":true}""");
        var bucket = Path.Combine(server.DataDirectory, "s3", "rec-http");
        string Put(string key, string content)
        {
            var path = Path.Combine(bucket, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
            return "/_openivs/s3/rec-http/" + key;
        }

        var publicUrl = Put($"ivs/v1/{Account}/{ChannelId(publicArn)}/2026/1/2/3/4/abcdefABCDEF/media/hls/master.m3u8", "#EXTM3U\n");
        var privateUrl = Put($"ivs/v1/{Account}/{ChannelId(privateArn)}/2026/1/2/3/4/abcdefABCDEF/media/hls/720p30/0.ts", new string('G', 1000));
        var otherUrl = Put("notes/readme.txt", "hello");

        // A public channel's recording: open to anyone, with CORS, byte ranges included.
        using (var response = await server.Http.GetAsync(publicUrl))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Equal("application/x-mpegURL", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("#EXTM3U\n", await response.Content.ReadAsStringAsync());
        }

        using (var preflight = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, publicUrl)))
        {
            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Contains("Range", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);
        }

        using (var put = await server.Http.PutAsync(publicUrl, new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync(publicUrl.Replace("master", "missing", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/_openivs/s3/rec-http/../../openivs.db")).StatusCode);

        // A private channel's recording: only with a playback token for that channel.
        using var signer = new PlaybackTokenSigner(playbackKey);
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.GetAsync(privateUrl)).StatusCode);
        var wrongChannel = signer.Sign(new PlaybackTokenClaims { ChannelArn = otherPrivateArn, ExpiresAt = expires });
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.GetAsync(privateUrl + "?token=" + wrongChannel)).StatusCode);
        var token = signer.Sign(new PlaybackTokenClaims { ChannelArn = privateArn, ExpiresAt = expires });
        using (var ranged = new HttpRequestMessage(HttpMethod.Get, privateUrl + "?token=" + token))
        {
            ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
            using var response = await server.Http.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(100, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        // Anything else: only SigV4, here a URL presigned by the real AWS CLI with the server's root key.
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.GetAsync(otherUrl)).StatusCode);
        var presigned = await PresignAsync(server, "s3://rec-http/notes/readme.txt");
        Assert.Contains("X-Amz-Signature=", presigned, StringComparison.Ordinal);
        Assert.Equal("hello", await server.Http.GetStringAsync(presigned));
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.GetAsync(presigned.Replace("X-Amz-Signature=", "X-Amz-Signature=0", StringComparison.Ordinal))).StatusCode);
    }

    [Fact]
    public async Task AChannelsRecordingsAreListedNewestFirstForThoseWhoMayWatchIt()
    {
        await using var server = await TestServer.StartAsync();
        using var playbackKey = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await server.CallAsync("ImportPlaybackKeyPair", new JsonObject { ["publicKeyMaterial"] = playbackKey.ExportSubjectPublicKeyInfoPem() }.ToJsonString()).OkAsync();
        var (publicArn, _) = await CreateChannelAsync(server);
        var (privateArn, _) = await CreateChannelAsync(server, """{"authorized":true}""");
        void Put(string bucket, string key, string content)
        {
            var path = Path.Combine(server.DataDirectory, "s3", bucket, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        // An ended recording in one bucket (with a thumbnail), one still recording in another (an earlier configuration's).
        var older = $"ivs/v1/{Account}/{ChannelId(publicArn)}/2026/12/4/9/5/olderAAAAAAA";
        Put("rec-a", older + "/events/recording-started.json", """{"recording_started_at":"2026-12-04T09:05:00Z","recording_status":"RECORDING_STARTED"}""");
        Put("rec-a", older + "/events/recording-ended.json", """{"recording_started_at":"2026-12-04T09:05:00Z","recording_ended_at":"2026-12-04T09:06:00Z","recording_status":"RECORDING_ENDED","media":{"hls":{"duration_ms":61234}}}""");
        Put("rec-a", older + "/media/hls/master.m3u8", "#EXTM3U\n");
        Put("rec-a", older + "/media/thumbnails/thumb0.jpg", "jpeg");
        var newer = $"ivs/v1/{Account}/{ChannelId(publicArn)}/2026/12/5/1/0/newerBBBBBBB";
        Put("rec-b", newer + "/events/recording-started.json", """{"recording_started_at":"2026-12-05T01:00:00Z","recording_status":"RECORDING_STARTED"}""");
        Put("rec-b", $"ivs/v1/{Account}/{ChannelId(publicArn)}/2026/12/5/1/0/emptyCCCCCCC/media/hls/0.ts", "no metadata yet: not listed");
        Put("rec-a", $"ivs/v1/{Account}/{ChannelId(privateArn)}/2026/12/5/1/0/privateDDDDD/events/recording-started.json", """{"recording_started_at":"2026-12-05T01:00:00Z","recording_status":"RECORDING_STARTED"}""");

        var listed = (await server.Http.GetFromJsonAsync<JsonObject>($"/_openivs/recordings/{ChannelId(publicArn)}"))!["recordings"]!.AsArray();
        Assert.Equal([newer, older], listed.Select(r => (string)r!["prefix"]!));
        Assert.Equal("RECORDING_STARTED", (string?)listed[0]!["status"]);
        Assert.Null(listed[0]!["durationMs"]);
        Assert.Null(listed[0]!["playlist"]); // no media yet
        Assert.Equal("RECORDING_ENDED", (string?)listed[1]!["status"]);
        Assert.Equal(61234, (long)listed[1]!["durationMs"]!);
        Assert.Equal("2026-12-04T09:06:00Z", (string?)listed[1]!["endedAt"]);
        Assert.Equal($"/_openivs/s3/rec-a/{older}/media/hls/master.m3u8", (string?)listed[1]!["playlist"]);
        Assert.Equal("#EXTM3U\n", await server.Http.GetStringAsync((string)listed[1]!["playlist"]!)); // the objects endpoint serves what the list names
        Assert.Equal($"/_openivs/s3/rec-a/{older}/media/thumbnails/thumb0.jpg", (string?)listed[1]!["thumbnail"]);

        // A private channel's list needs a playback token for it, like its recordings.
        var privateList = $"/_openivs/recordings/{ChannelId(privateArn)}";
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http.GetAsync(privateList)).StatusCode);
        using var signer = new PlaybackTokenSigner(playbackKey);
        var token = signer.Sign(new PlaybackTokenClaims { ChannelArn = privateArn, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5) });
        Assert.Single((await server.Http.GetFromJsonAsync<JsonObject>($"{privateList}?token={token}"))!["recordings"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/_openivs/recordings/nosuchchannel")).StatusCode);

        // The watch page knows where to find them.
        Assert.Contains($"\"recordingsUrl\":\"/_openivs/recordings/{ChannelId(publicArn)}\"", await server.Http.GetStringAsync($"/watch/{ChannelId(publicArn)}"), StringComparison.Ordinal);
    }

    private static async Task<string> PresignAsync(TestServer server, string s3Uri)
    {
        var start = new ProcessStartInfo("aws", $"s3 presign {s3Uri} --endpoint-url {server.BaseAddress}_openivs/s3 --region us-west-2")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_ACCESS_KEY_ID"] = server.Root.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = server.Root.SecretAccessKey;
        // awscli 1.x presigns S3 URLs with SigV2 unless told to use SigV4.
        var config = Path.Combine(server.DataDirectory, "aws-config");
        await File.WriteAllTextAsync(config, "[default]\ns3 =\n  signature_version = s3v4\n");
        start.Environment["AWS_CONFIG_FILE"] = config;
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        return output.Trim();
    }
}
