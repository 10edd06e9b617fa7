using OpenIvs.Server.Storage;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Protocol.Auth;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Auth;

/// <summary>SigV4 verification of API calls, with a fake clock (no sleeping).</summary>
public class AuthenticationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task UnsignedRequestIsMissingAuthenticationToken()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.Http.PostAsync("/ListChannels", new StringContent("{}")).ErrorAsync(403, "MissingAuthenticationTokenException");

        Assert.Equal("Missing Authentication Token", message);
    }

    [Fact]
    public async Task UnknownAccessKeyIsAnUnrecognizedClient()
    {
        await using var server = await TestServer.StartAsync();

        await server.CallAsync("ListChannels", credentials: new SigV4Credentials("AKIAUNKNOWNUNKNOWN00", "secret"))
            .ErrorAsync(403, "UnrecognizedClientException");
    }

    [Fact]
    public async Task WrongSecretIsAnInvalidSignatureShowingWhatTheServerComputed()
    {
        await using var server = await TestServer.StartAsync();

        var message = await server.CallAsync("ListChannels", credentials: server.Root with { SecretAccessKey = "wrong" })
            .ErrorAsync(403, "InvalidSignatureException");

        Assert.Contains("The Canonical String for this request should have been\n'POST\n/ListChannels\n", message);
        Assert.Contains("The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n", message);
        Assert.DoesNotContain(server.Root.SecretAccessKey, message);
    }

    [Fact]
    public async Task TamperedBodyFailsTheSignature()
    {
        await using var server = await TestServer.StartAsync();
        using var request = server.Sign("POST", "/CreateChannel", """{"name":"signed"}""", server.Root, server.Time.GetUtcNow());
        request.Content = new StringContent("""{"name":"tampered"}""", Encoding.UTF8, "application/json");

        await server.Http.SendAsync(request).ErrorAsync(403, "InvalidSignatureException");
        Assert.Empty((await server.CallAsync("ListChannels").OkAsync())["channels"]!.AsArray());
    }

    [Fact]
    public async Task DeclaredPayloadHashMustMatchTheBody()
    {
        await using var server = await TestServer.StartAsync();
        using var request = server.Sign("POST", "/ListChannels", "{}", server.Root, server.Time.GetUtcNow());
        request.Headers.Add("x-amz-content-sha256", SigV4.HexSha256("""{"maxResults":1}"""u8));

        var message = await server.Http.SendAsync(request).ErrorAsync(403, "InvalidSignatureException");

        Assert.Contains("x-amz-content-sha256", message);
    }

    [Fact]
    public async Task RequestReplayedSixMinutesLaterIsRefusedAsExpired()
    {
        var clock = new FakeTimeProvider(Now);
        await using var server = await TestServer.StartAsync(time: clock);
        using var original = server.Sign("POST", "/ListChannels", "{}", server.Root, clock.GetUtcNow());
        using var replay = server.Sign("POST", "/ListChannels", "{}", server.Root, clock.GetUtcNow());

        await server.Http.SendAsync(original).OkAsync();
        clock.Advance(TimeSpan.FromMinutes(6));
        var message = await server.Http.SendAsync(replay).ErrorAsync(403, "InvalidSignatureException");

        Assert.StartsWith("Signature expired: 20261126T120000Z is now earlier than 20261126T120100Z", message);
    }

    [Fact]
    public async Task RequestFromTheFutureIsRefused()
    {
        var clock = new FakeTimeProvider(Now);
        await using var server = await TestServer.StartAsync(time: clock);

        var message = await server.SendAsync("POST", "/ListChannels", "{}", signedAt: Now.AddMinutes(6)).ErrorAsync(403, "InvalidSignatureException");

        Assert.StartsWith("Signature not yet current", message);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-west-2/ivs/aws4_request, SignedHeaders=host;x-amz-date")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-west-2/ivs/aws4_request, Signature=abc")]
    [InlineData("AWS4-HMAC-SHA256 garbage")]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-west-2, SignedHeaders=host, Signature=abc")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task MalformedAuthorizationIsAnIncompleteSignature(string authorization)
    {
        var clock = new FakeTimeProvider(Now);
        await using var server = await TestServer.StartAsync(time: clock);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ListChannels") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", SigV4.FormatDate(Now));

        await server.Http.SendAsync(request).ErrorAsync(400, "IncompleteSignatureException");
    }

    [Theory]
    [InlineData("eu-west-1", "ivs", "region")]
    [InlineData("us-west-2", "s3", "service")]
    public async Task CredentialScopeMustNameThisRegionAndIvs(string region, string service, string mentioned)
    {
        await using var server = await TestServer.StartAsync();
        var time = server.Time.GetUtcNow();
        var headers = new List<KeyValuePair<string, string>> { new("host", server.BaseAddress.Authority), new("x-amz-date", SigV4.FormatDate(time)) };
        var signed = SigV4Signer.SignHeaders("POST", "/ListChannels", null, headers, SigV4.HexSha256("{}"u8), server.Root, region, service, time);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ListChannels") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("x-amz-date", SigV4.FormatDate(time));
        request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);

        var message = await server.Http.SendAsync(request).ErrorAsync(403, "InvalidSignatureException");

        Assert.Contains(mentioned, message);
    }

    [Fact]
    public async Task PresignedGetChannelWorksUntilItExpires()
    {
        var clock = new FakeTimeProvider(Now);
        await using var server = await TestServer.StartAsync(time: clock);
        var arn = (string)(await server.CallAsync("CreateChannel", """{"name":"presigned"}""").OkAsync())["channel"]!["arn"]!;
        var body = $$"""{"arn":"{{arn}}"}""";
        var query = SigV4Signer.Presign("POST", "/GetChannel", null, server.BaseAddress.Authority, SigV4.HexSha256(Encoding.UTF8.GetBytes(body)),
            server.Root, "us-west-2", "ivs", clock.GetUtcNow(), TimeSpan.FromMinutes(10));

        HttpRequestMessage Presigned() => new(HttpMethod.Post, "/GetChannel?" + query) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var first = await server.Http.SendAsync(Presigned()).OkAsync();
        using var otherBody = new HttpRequestMessage(HttpMethod.Post, "/GetChannel?" + query) { Content = new StringContent("{\"arn\":\"x\"}") };
        await server.Http.SendAsync(otherBody).ErrorAsync(403, "InvalidSignatureException");
        clock.Advance(TimeSpan.FromMinutes(9));
        await server.Http.SendAsync(Presigned()).OkAsync();
        clock.Advance(TimeSpan.FromMinutes(2));
        var message = await server.Http.SendAsync(Presigned()).ErrorAsync(403, "InvalidSignatureException");

        Assert.Equal("presigned", (string?)first["channel"]!["name"]);
        Assert.Contains("expired", message);
    }

    [Fact]
    public async Task TemporaryCredentialsNeedTheirTokenAndExpire()
    {
        var clock = new FakeTimeProvider(Now);
        await using var server = await TestServer.StartAsync(time: clock);
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync("temp", default);
        await iam.PutPolicyAsync("all", """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ivs:*","Resource":"*"}}""", default);
        await iam.AttachPolicyAsync("temp", "all", default);
        var issued = await iam.CreateSessionCredentialsAsync("temp", TimeSpan.FromHours(1), default);
        server.Services.GetRequiredService<IamDirectory>().Reload();
        var withToken = new SigV4Credentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken);

        await server.CallAsync("ListChannels", credentials: withToken).OkAsync();
        await server.CallAsync("ListChannels", credentials: withToken with { SessionToken = null }).ErrorAsync(403, "UnrecognizedClientException");
        await server.CallAsync("ListChannels", credentials: withToken with { SessionToken = "forged" }).ErrorAsync(403, "UnrecognizedClientException");
        clock.Advance(TimeSpan.FromMinutes(61));
        await server.CallAsync("ListChannels", credentials: withToken).ErrorAsync(403, "ExpiredTokenException");

        Assert.StartsWith("ASIA", issued.AccessKeyId);
    }

    [Fact]
    public async Task RotatedKeyStopsWorkingAndTheNewOneWorks()
    {
        await using var server = await TestServer.StartAsync();
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync("rotor", default);
        await iam.PutPolicyAsync("list", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:List*","Resource":"*"}]}""", default);
        await iam.AttachPolicyAsync("rotor", "list", default);
        var old = await iam.CreateAccessKeyAsync("rotor", default);
        var directory = server.Services.GetRequiredService<IamDirectory>();
        directory.Reload();
        await server.CallAsync("ListChannels", credentials: new(old.AccessKeyId, old.SecretAccessKey)).OkAsync();

        var rotated = await iam.RotateAccessKeyAsync("rotor", old.AccessKeyId, default);
        directory.Reload();

        await server.CallAsync("ListChannels", credentials: new(old.AccessKeyId, old.SecretAccessKey)).ErrorAsync(403, "UnrecognizedClientException");
        await server.CallAsync("ListChannels", credentials: new(rotated.AccessKeyId, rotated.SecretAccessKey)).OkAsync();
    }

    [Fact]
    public async Task ChangesFromAnotherProcessAreSeenWithoutRestart()
    {
        await using var clock = RunningClock.Start();
        var logs = new CapturingLoggerProvider();
        await using var server = await TestServer.StartAsync(time: clock.Time, logs: logs);
        // A second store on the same database plays the part of `openivs admin` in another process.
        await using var durable = new OpenIvs.Server.Storage.Sqlite.SqliteStateStore(Path.Combine(server.DataDirectory, "openivs.db"));
        await durable.InitializeAsync(default);
        var tables = new IamTables();
        var store = new OpenIvs.Server.Storage.DocumentStore(durable);
        await store.LoadAsync(tables.All, default);
        var admin = new IamAdministration(store, tables, SecretBox.Open(server.DataDirectory), TimeProvider.System);
        await admin.CreateUserAsync("late", default);
        await admin.PutPolicyAsync("list", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ivs:ListChannels","Resource":"*"}]}""", default);
        await admin.AttachPolicyAsync("late", "list", default);
        var key = await admin.CreateAccessKeyAsync("late", default);
        var credentials = new SigV4Credentials(key.AccessKeyId, key.SecretAccessKey);

        // The watcher looks every second of clock time: jump to its next look and wait for the reload it logs.
        clock.Jump(IamWatcher.Interval);
        await logs.Changes.UntilAsync(() => logs.Lines.Any(l => l.Contains("IAM reloaded", StringComparison.Ordinal) && l.Contains("Users=1 ", StringComparison.Ordinal)), "the reload");
        await server.CallAsync("ListChannels", credentials: credentials).OkAsync();
    }

    [Fact]
    public async Task SecretsAreNotInTheDatabase()
    {
        await using var server = await TestServer.StartAsync();
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync("someone", default);
        var key = await iam.CreateAccessKeyAsync("someone", default);
        var session = await iam.CreateSessionCredentialsAsync("someone", TimeSpan.FromHours(1), default);

        var database = string.Concat(Directory.GetFiles(server.DataDirectory, "openivs.db*").Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));

        Assert.DoesNotContain(key.SecretAccessKey, database);
        Assert.DoesNotContain(session.SecretAccessKey, database);
        Assert.DoesNotContain(session.SessionToken!, database);
        Assert.Contains(key.AccessKeyId, database);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.DataDirectory, "master.key")));
        Assert.DoesNotContain(key.SecretAccessKey, key.ToString());
    }
}
