using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Api;

public partial class ChannelTests
{
    [Fact]
    public async Task CreateChannelAppliesIvsDefaultsAndCreatesItsStreamKey()
    {
        await using var server = await TestServer.StartAsync(o => o.Public.PlaybackBaseUrl = "https://{prefix}.play.example.com");

        var created = await server.CallAsync("CreateChannel").OkAsync();
        var channel = created["channel"]!;
        var key = created["streamKey"]!;

        var arn = (string)channel["arn"]!;
        var match = ChannelArn().Match(arn);
        Assert.True(match.Success, arn);
        var id = match.Groups[1].Value;
        Assert.Equal(string.Empty, (string?)channel["name"]);
        Assert.Equal("LOW", (string?)channel["latencyMode"]);
        Assert.Equal("STANDARD", (string?)channel["type"]);
        Assert.Equal(string.Empty, (string?)channel["preset"]);
        Assert.False((bool)channel["authorized"]!);
        Assert.False((bool)channel["insecureIngest"]!);
        Assert.Equal("TS", (string?)channel["containerFormat"]);
        Assert.Equal(string.Empty, (string?)channel["recordingConfigurationArn"]);
        Assert.Equal(string.Empty, (string?)channel["playbackRestrictionPolicyArn"]);
        Assert.Equal(string.Empty, (string?)channel["adConfigurationArn"]);
        Assert.Equal("""{"enabled":false,"policy":"ALLOW","maximumResolution":"FULL_HD"}""", channel["multitrackInputConfiguration"]!.ToJsonString());
        Assert.Equal("{}", channel["tags"]!.ToJsonString());

        var playback = (string)channel["playbackUrl"]!;
        var prefix = PlaybackHost().Match(playback);
        Assert.True(prefix.Success, playback);
        Assert.EndsWith($"/api/video/v1/us-west-2.000000000000.channel.{id}.m3u8", playback);
        Assert.Equal($"127.0.0.1:{server.Options.RtmpsEndPoint.Port}", (string?)channel["ingestEndpoint"]);
        Assert.Equal(79, ((string)channel["srt"]!["passphrase"]!).Length);

        var keyArn = (string)key["arn"]!;
        var keyId = keyArn[(keyArn.LastIndexOf('/') + 1)..];
        Assert.Matches(@"^arn:aws:ivs:us-west-2:000000000000:stream-key/[a-zA-Z0-9]{12}$", keyArn);
        Assert.Matches($"^sk_us-west-2_{keyId}_[a-zA-Z0-9]{{30}}$", (string)key["value"]!);
        Assert.Equal(arn, (string?)key["channelArn"]);
    }

    [Fact]
    public async Task AdvancedChannelsGetTheDefaultPresetAndOthersRefuseOne()
    {
        await using var server = await TestServer.StartAsync();

        var advanced = await server.CallAsync("CreateChannel", """{"type":"ADVANCED_HD"}""").OkAsync();
        var message = await server.CallAsync("CreateChannel", """{"type":"BASIC","preset":"CONSTRAINED_BANDWIDTH_DELIVERY"}""").ErrorAsync(400, "ValidationException");

        Assert.Equal("HIGHER_BANDWIDTH_DELIVERY", (string?)advanced["channel"]!["preset"]);
        Assert.Contains("ADVANCED", message);
    }

    [Theory]
    [InlineData("""{"multitrackInputConfiguration":{"enabled":true,"policy":"ALLOW","maximumResolution":"HD"}}""", "FRAGMENTED_MP4")]
    [InlineData("""{"type":"BASIC","containerFormat":"FRAGMENTED_MP4","multitrackInputConfiguration":{"enabled":true,"policy":"ALLOW","maximumResolution":"HD"}}""", "STANDARD")]
    public async Task MultitrackNeedsStandardAndFragmentedMp4(string body, string mentioned)
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("CreateChannel", body).ErrorAsync(400, "ValidationException");

        Assert.Contains(mentioned, message);
    }

    [Fact]
    public async Task SecondStreamKeyExceedsTheQuotaUntilTheFirstIsDeleted()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.CallAsync("CreateChannel").OkAsync();
        var channelArn = (string)created["channel"]!["arn"]!;
        var keyArn = (string)created["streamKey"]!["arn"]!;

        await server.CallAsync("CreateStreamKey", $$"""{"channelArn":"{{channelArn}}"}""").ErrorAsync(402, "ServiceQuotaExceededException");
        await server.CallAsync("DeleteStreamKey", $$"""{"arn":"{{keyArn}}"}""").OkAsync(204);
        var rotated = await server.CallAsync("CreateStreamKey", $$"""{"channelArn":"{{channelArn}}"}""").OkAsync();

        Assert.NotEqual(keyArn, (string?)rotated["streamKey"]!["arn"]);
    }

    [Fact]
    public async Task UpdateChannelChangesOnlyWhatIsSent()
    {
        await using var server = await TestServer.StartAsync();
        var channel = (await server.CallAsync("CreateChannel", """{"name":"before","authorized":true,"tags":{"k":"v"}}""").OkAsync())["channel"]!;
        var arn = (string)channel["arn"]!;

        var updated = (await server.CallAsync("UpdateChannel", $$"""{"arn":"{{arn}}","latencyMode":"NORMAL"}""").OkAsync())["channel"]!;
        var fetched = (await server.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""").OkAsync())["channel"]!;

        Assert.Equal("NORMAL", (string?)updated["latencyMode"]);
        Assert.Equal("before", (string?)updated["name"]);
        Assert.True((bool)updated["authorized"]!);
        Assert.Equal(channel["srt"]!.ToJsonString(), updated["srt"]!.ToJsonString());
        Assert.Equal(updated.ToJsonString(), fetched.ToJsonString());
    }

    [Fact]
    public async Task ChangingToAnAdvancedTypeTakesItsDefaultPresetAndBackClearsIt()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;

        var advanced = (await server.CallAsync("UpdateChannel", $$"""{"arn":"{{arn}}","type":"ADVANCED_SD"}""").OkAsync())["channel"]!;
        var standard = (await server.CallAsync("UpdateChannel", $$"""{"arn":"{{arn}}","type":"STANDARD"}""").OkAsync())["channel"]!;

        Assert.Equal("HIGHER_BANDWIDTH_DELIVERY", (string?)advanced["preset"]);
        Assert.Equal(string.Empty, (string?)standard["preset"]);
    }

    [Fact]
    public async Task ReferencesMustExist()
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("CreateChannel", """{"recordingConfigurationArn":"arn:aws:ivs:us-west-2:000000000000:recording-configuration/abcdABCDefgh"}""")
            .ErrorAsync(404, "ResourceNotFoundException");
        await server.CallAsync("CreateChannel", """{"playbackRestrictionPolicyArn":"arn:aws:ivs:us-west-2:000000000000:playback-restriction-policy/abcdABCDefgh"}""")
            .ErrorAsync(404, "ResourceNotFoundException");
    }

    [Fact]
    public async Task DeleteChannelRemovesItsStreamKeys()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.CallAsync("CreateChannel").OkAsync();
        var arn = (string)created["channel"]!["arn"]!;
        var keyArn = (string)created["streamKey"]!["arn"]!;

        await server.CallAsync("DeleteChannel", $$"""{"arn":"{{arn}}"}""").OkAsync(204);

        await server.CallAsync("GetChannel", $$"""{"arn":"{{arn}}"}""").ErrorAsync(404, "ResourceNotFoundException");
        await server.CallAsync("GetStreamKey", $$"""{"arn":"{{keyArn}}"}""").ErrorAsync(404, "ResourceNotFoundException");
    }

    [Fact]
    public async Task ChannelOfAnotherAccountOrRegionIsNotFound()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;

        await server.CallAsync("GetChannel", $$"""{"arn":"{{arn.Replace("us-west-2", "eu-west-1", StringComparison.Ordinal)}}"}""").ErrorAsync(404, "ResourceNotFoundException");
        await server.CallAsync("GetChannel", $$"""{"arn":"{{arn.Replace("000000000000", "111111111111", StringComparison.Ordinal)}}"}""").ErrorAsync(404, "ResourceNotFoundException");
    }

    [Fact]
    public async Task BatchGetChannelReportsMissingItemsPerItem()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;
        const string missing = "arn:aws:ivs:us-west-2:000000000000:channel/abcdABCDefgh";

        var result = await server.CallAsync("BatchGetChannel", $$"""{"arns":["{{arn}}","{{missing}}"]}""").OkAsync();

        Assert.Equal(arn, (string?)result["channels"]![0]!["arn"]);
        Assert.Equal(missing, (string?)result["errors"]![0]!["arn"]);
        Assert.Equal("ResourceNotFoundException", (string?)result["errors"]![0]!["code"]);
    }

    [Fact]
    public async Task ListChannelsWithTwoFiltersIsAConflict()
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("ListChannels", """{"filterByName":"a","filterByRecordingConfigurationArn":"arn:aws:ivs:us-west-2:000000000000:recording-configuration/abcdABCDefgh"}""")
            .ErrorAsync(409, "ConflictException");
    }

    [Fact]
    public async Task ListChannelsFiltersByNameAndReferences()
    {
        await using var server = await TestServer.StartAsync();
        var policy = (string)(await server.CallAsync("CreatePlaybackRestrictionPolicy").OkAsync())["playbackRestrictionPolicy"]!["arn"]!;
        await server.CallAsync("CreateChannel", """{"name":"x"}""").OkAsync();
        await server.CallAsync("CreateChannel", """{"name":"y"}""").OkAsync();
        await server.CallAsync("CreateChannel", $$"""{"name":"x","playbackRestrictionPolicyArn":"{{policy}}"}""").OkAsync();

        var byName = await server.CallAsync("ListChannels", """{"filterByName":"x"}""").OkAsync();
        var byPolicy = await server.CallAsync("ListChannels", $$"""{"filterByPlaybackRestrictionPolicyArn":"{{policy}}"}""").OkAsync();

        Assert.Equal(2, byName["channels"]!.AsArray().Count);
        Assert.Single(byPolicy["channels"]!.AsArray());
        Assert.Equal(policy, (string?)byPolicy["channels"]![0]!["playbackRestrictionPolicyArn"]);
    }

    [Fact]
    public async Task OfflineChannelIsNotBroadcasting()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel").OkAsync())["channel"]!["arn"]!;

        var message = await server.CallAsync("GetStream", $$"""{"channelArn":"{{arn}}"}""").ErrorAsync(404, "ChannelNotBroadcasting");
        await server.CallAsync("StopStream", $$"""{"channelArn":"{{arn}}"}""").ErrorAsync(404, "ChannelNotBroadcasting");
        await server.CallAsync("PutMetadata", $$"""{"channelArn":"{{arn}}","metadata":"hi"}""").ErrorAsync(404, "ChannelNotBroadcasting");

        Assert.Equal($"Channel: {arn} is not currently online", message);
    }

    [Fact]
    public async Task TagsRejectTheAwsPrefixAndMoreThan50()
    {
        await using var server = await TestServer.StartAsync();
        var arn = (string)(await server.CallAsync("CreateChannel", """{"tags":{"a":"1"}}""").OkAsync())["channel"]!["arn"]!;
        var path = "/tags/" + Uri.EscapeDataString(arn);
        var fifty = new JsonObject();
        for (var i = 0; i < 50; i++)
        {
            fifty["k" + i] = "v";
        }

        await server.SendAsync("POST", path, """{"tags":{"aws:owner":"x"}}""").ErrorAsync(400, "ValidationException");
        await server.SendAsync("POST", path, new JsonObject { ["tags"] = fifty }.ToJsonString()).ErrorAsync(400, "ValidationException");
        await server.SendAsync("POST", path, """{"tags":{"a":"replaced"}}""").OkAsync();

        var tags = await server.SendAsync("GET", path).OkAsync();
        Assert.Equal("""{"a":"replaced"}""", tags["tags"]!.ToJsonString());
    }

    [GeneratedRegex(@"^arn:aws:ivs:us-west-2:000000000000:channel/([a-zA-Z0-9]{12})$")]
    private static partial Regex ChannelArn();

    [GeneratedRegex(@"^https://[0-9a-f]{12}\.play\.example\.com/")]
    private static partial Regex PlaybackHost();
}
