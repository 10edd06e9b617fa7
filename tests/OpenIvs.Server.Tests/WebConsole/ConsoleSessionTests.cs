using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.WebConsole;

/// <summary>
/// Console sessions over HTTP: a SigV4-signed sign-in gives an HttpOnly, SameSite=Strict cookie; API calls with
/// the cookie need the CSRF header; sign-out, expiry and a deleted access key end the session; the session
/// caller gets exactly the IAM policies of its key.
/// </summary>
public class ConsoleSessionTests
{
    [Fact]
    public async Task SignedSignInSetsAStrictHttpOnlyCookieThatWorksOnlyWithTheCsrfHeader()
    {
        await using var server = await TestServer.StartAsync();
        var (cookie, csrf, setCookie) = await SignInAsync(server, server.Root.AccessKeyId, server.Root.SecretAccessKey);

        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await ConsoleCallAsync(server, "ListChannels", cookie, csrf)).StatusCode);

        // Without the CSRF header the cookie is ignored (SigV4 then finds no signature); a wrong token is refused.
        using var noCsrf = await ConsoleCallAsync(server, "ListChannels", cookie, csrf: null);
        Assert.Equal(HttpStatusCode.Forbidden, noCsrf.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException", noCsrf.Headers.GetValues("x-amzn-ErrorType").Single());
        using var wrongCsrf = await ConsoleCallAsync(server, "ListChannels", cookie, "not-the-token");
        Assert.Equal(HttpStatusCode.Forbidden, wrongCsrf.StatusCode);
        Assert.Equal("AccessDeniedException", wrongCsrf.Headers.GetValues("x-amzn-ErrorType").Single());

        // Sign-out ends the session.
        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/console/session");
        signOut.Headers.Add("Cookie", cookie);
        signOut.Headers.Add("X-OpenIvs-Csrf", csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.SendAsync(signOut)).StatusCode);
        using var after = await ConsoleCallAsync(server, "ListChannels", cookie, csrf);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal("ExpiredTokenException", after.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task AWrongSecretOrAnUnsignedSignInGetsNoCookie()
    {
        await using var server = await TestServer.StartAsync();

        using var wrong = await server.SendAsync("POST", "/console/session", "{}", new(server.Root.AccessKeyId, "wrong-secret"));
        using var unsigned = await server.Http.PostAsync("/console/session", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("InvalidSignatureException", wrong.Headers.GetValues("x-amzn-ErrorType").Single());
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.False(unsigned.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task TheSessionCallerHasItsKeysPoliciesAndLosesTheSessionWhenTheKeyIsDeleted()
    {
        await using var server = await TestServer.StartAsync();
        var iam = server.Services.GetRequiredService<IamAdministration>();
        await iam.CreateUserAsync("reader", default);
        await iam.PutPolicyAsync("read", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ivs:List*","ivs:Get*"],"Resource":"*"}]}""", default);
        await iam.AttachPolicyAsync("reader", "read", default);
        var key = await iam.CreateAccessKeyAsync("reader", default);
        server.Services.GetRequiredService<IamDirectory>().Reload();
        var (cookie, csrf, _) = await SignInAsync(server, key.AccessKeyId, key.SecretAccessKey);

        Assert.Equal(HttpStatusCode.OK, (await ConsoleCallAsync(server, "ListChannels", cookie, csrf)).StatusCode);
        using var create = await ConsoleCallAsync(server, "CreateChannel", cookie, csrf);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Contains("user/reader is not authorized to perform: ivs:CreateChannel", await create.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await iam.DeleteAccessKeyAsync(key.AccessKeyId, default);
        server.Services.GetRequiredService<IamDirectory>().Reload();
        using var gone = await ConsoleCallAsync(server, "ListChannels", cookie, csrf);
        Assert.Equal(HttpStatusCode.Forbidden, gone.StatusCode);
        Assert.Equal("UnrecognizedClientException", gone.Headers.GetValues("x-amzn-ErrorType").Single());
    }

    [Fact]
    public async Task HealthNeedsTheSessionAndGetStreamPermission()
    {
        await using var server = await TestServer.StartAsync();
        var created = await server.CallAsync("CreateChannel").OkAsync();
        var arn = (string)created["channel"]!["arn"]!;
        var (cookie, csrf, _) = await SignInAsync(server, server.Root.AccessKeyId, server.Root.SecretAccessKey);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/console/health?channelArn={Uri.EscapeDataString(arn)}");
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add("X-OpenIvs-Csrf", csrf);
        using var health = await server.Http.SendAsync(request);
        using var anonymous = await server.Http.GetAsync($"/console/health?channelArn={Uri.EscapeDataString(arn)}");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False((bool)JsonNode.Parse(await health.Content.ReadAsStringAsync())!["live"]!);
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
    }

    [Fact]
    public async Task ADisabledConsoleServesNothingAndAcceptsNoCookie()
    {
        await using var server = await TestServer.StartAsync(o => o.Console.Enabled = false);

        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/console")).StatusCode);
        using var signIn = await server.SendAsync("POST", "/console/session", "{}");
        Assert.False(signIn.IsSuccessStatusCode);
        Assert.False(signIn.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task ThePageIsServedWithAStrictContentSecurityPolicy()
    {
        await using var server = await TestServer.StartAsync();

        using var page = await server.Http.GetAsync("/console");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("\"region\":\"us-west-2\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/console/assets/uPlot.iife.min.js")).StatusCode);
    }

    private static async Task<(string Cookie, string Csrf, string SetCookie)> SignInAsync(TestServer server, string accessKeyId, string secret)
    {
        using var response = await server.SendAsync("POST", "/console/session", "{}", new(accessKeyId, secret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single();
        var csrf = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["csrfToken"]!;
        return (setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)], csrf, setCookie);
    }

    private static Task<HttpResponseMessage> ConsoleCallAsync(TestServer server, string operation, string cookie, string? csrf)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + operation) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", cookie);
        if (csrf is not null)
        {
            request.Headers.Add("X-OpenIvs-Csrf", csrf);
        }

        return server.Http.SendAsync(request);
    }
}
