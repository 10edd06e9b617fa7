using System.Collections.Frozen;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenIvs.Server.Playback;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Playback;

/// <summary>
/// How a viewer's country is told (<see cref="ViewerCountries"/>): from a MaxMind database written by the test
/// (IPv4, IPv6, IPv4-mapped, addresses it does not know), from a trusted proxy's header (and never from anyone
/// else's), through X-Forwarded-For from trusted proxies; and how the authorizer fails closed without a source.
/// </summary>
public sealed class ViewerCountriesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("openivs-geo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("GeoLite2-Country")]
    [InlineData("GeoIP2-City")]
    [InlineData("GeoIP2-Enterprise")]
    [InlineData("DBIP-Country-Lite")]
    public void TheDatabaseTellsIpv4AndIpv6Addresses(string databaseType)
    {
        using var countries = Countries(new GeoOptions { GeoIpDatabase = Database(databaseType) });

        Assert.True(countries.HasSource);
        Assert.Equal("FR", countries.Resolve(IPAddress.Parse("127.0.0.1"), new HeaderDictionary()));
        Assert.Equal("FR", countries.Resolve(IPAddress.Parse("::ffff:127.0.0.1"), new HeaderDictionary())); // a dual-stack listener's IPv4 client
        Assert.Equal("DE", countries.Resolve(IPAddress.Parse("198.51.100.7"), new HeaderDictionary()));
        Assert.Equal("JP", countries.Resolve(IPAddress.Parse("2001:db8::42"), new HeaderDictionary()));
        Assert.Equal("JP", countries.Resolve(IPAddress.Parse("::1"), new HeaderDictionary()));
        Assert.Null(countries.Resolve(IPAddress.Parse("192.0.2.1"), new HeaderDictionary())); // not in the database
        Assert.Null(countries.Resolve(IPAddress.Parse("2001:db9::1"), new HeaderDictionary()));
        Assert.Null(countries.Resolve(null, new HeaderDictionary()));
    }

    [Fact]
    public void TheHeaderCountsOnlyFromATrustedProxy()
    {
        using var countries = Countries(new GeoOptions
        {
            GeoIpDatabase = Database(),
            TrustedCountryHeader = "CloudFront-Viewer-Country",
            TrustedProxies = "10.0.0.0/8, 2001:db8:ffff::/48, 192.0.2.9",
        });
        var header = new HeaderDictionary { ["CloudFront-Viewer-Country"] = "br" };

        Assert.Equal("BR", countries.Resolve(IPAddress.Parse("10.1.2.3"), header));
        Assert.Equal("BR", countries.Resolve(IPAddress.Parse("::ffff:10.1.2.3"), header));
        Assert.Equal("BR", countries.Resolve(IPAddress.Parse("2001:db8:ffff::5"), header));
        Assert.Equal("BR", countries.Resolve(IPAddress.Parse("192.0.2.9"), header));

        // From anyone else the header is ignored: the database decides (or nothing does).
        Assert.Equal("FR", countries.Resolve(IPAddress.Parse("127.0.0.1"), header));
        Assert.Equal("JP", countries.Resolve(IPAddress.Parse("2001:db8::1"), header));
        Assert.Null(countries.Resolve(IPAddress.Parse("192.0.2.10"), header));

        // A trusted proxy that sends no country, or not a country code: its client's address decides.
        Assert.Null(countries.Resolve(IPAddress.Parse("10.1.2.3"), new HeaderDictionary()));
        Assert.Null(countries.Resolve(IPAddress.Parse("10.1.2.3"), new HeaderDictionary { ["CloudFront-Viewer-Country"] = "France" }));
        Assert.Equal("DE", countries.Resolve(IPAddress.Parse("10.1.2.3"), new HeaderDictionary { ["CloudFront-Viewer-Country"] = "", ["X-Forwarded-For"] = "198.51.100.7" }));
    }

    [Fact]
    public void XForwardedForIsReadFromTheRightUpToTheFirstUntrustedAddress()
    {
        using var countries = Countries(new GeoOptions { GeoIpDatabase = Database(), TrustedProxies = "10.0.0.0/8" });

        Assert.Equal("DE", countries.Resolve(IPAddress.Parse("10.0.0.1"), Forwarded("198.51.100.7")));
        Assert.Equal("DE", countries.Resolve(IPAddress.Parse("10.0.0.1"), Forwarded("198.51.100.7, 10.9.9.9")));
        Assert.Equal("DE", countries.Resolve(IPAddress.Parse("10.0.0.1"), Forwarded("127.0.0.1, 198.51.100.7"))); // the client's own claim is not believed
        Assert.Equal("DE", countries.Resolve(IPAddress.Parse("10.0.0.1"), Forwarded("127.0.0.1", "198.51.100.7, 10.2.2.2")));
        Assert.Equal("JP", countries.Resolve(IPAddress.Parse("10.0.0.1"), Forwarded("2001:db8::7")));
        Assert.Null(countries.Resolve(IPAddress.Parse("10.0.0.1"), Forwarded("198.51.100.7, not-an-address")));
        Assert.Null(countries.Resolve(IPAddress.Parse("10.0.0.1"), new HeaderDictionary())); // the proxy itself is not in the database

        // From an address that is not a trusted proxy, X-Forwarded-For is ignored.
        Assert.Equal("FR", countries.Resolve(IPAddress.Parse("127.0.0.1"), Forwarded("198.51.100.7")));
    }

    [Fact]
    public void WithoutASourceEveryViewerOfARestrictingPolicyIsRefused()
    {
        var restricted = PlaybackGrant.Anyone with { AllowedCountries = new[] { "FR" }.ToFrozenSet() };
        using var none = Countries(new GeoOptions());
        Assert.False(none.HasSource);

        foreach (var authorizer in new[] { new PlaybackAuthorizer(new ResourceTables(), TimeProvider.System), new PlaybackAuthorizer(new ResourceTables(), TimeProvider.System, none) })
        {
            var (error, code) = authorizer.Admit(restricted, Request("127.0.0.1"));
            Assert.Equal("content_geoblocked", code);
            Assert.Contains("has no source of viewer countries", error, StringComparison.Ordinal);
            Assert.Null(authorizer.Admit(PlaybackGrant.Anyone, Request("127.0.0.1")).Error); // a policy without countries is unaffected
        }
    }

    [Fact]
    public void TheAuthorizerAdmitsOnlyTheListedCountries()
    {
        using var countries = Countries(new GeoOptions { GeoIpDatabase = Database() });
        var authorizer = new PlaybackAuthorizer(new ResourceTables(), TimeProvider.System, countries);
        var france = PlaybackGrant.Anyone with { AllowedCountries = new[] { "FR", "JP" }.ToFrozenSet() };

        Assert.Null(authorizer.Admit(france, Request("127.0.0.1")).Error);
        Assert.Null(authorizer.Admit(france, Request("2001:db8::1")).Error);
        Assert.Equal(("Content Restricted In Region", "content_geoblocked"), authorizer.Admit(france, Request("198.51.100.7")));
        Assert.Equal(("Content Restricted In Region: the country of the viewer is unknown", "content_geoblocked"), authorizer.Admit(france, Request("192.0.2.1")));
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "*" }, false)]
    [InlineData(new[] { "FR", "*" }, false)]
    [InlineData(new[] { "FR" }, true)]
    public void EmptyListsAndTheWildcardAllowEveryCountry(string[] allowed, bool restricts) =>
        Assert.Equal(restricts, ViewerCountries.RestrictsCountries(allowed));

    [Fact]
    public void AnUnreadableDatabaseStopsTheStartWithItsName()
    {
        var path = Path.Combine(_directory, "broken.mmdb");
        File.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<InvalidOperationException>(() => Countries(new GeoOptions { GeoIpDatabase = path }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewReleaseOfTheDatabaseIsTakenWithoutARestart()
    {
        var time = new FakeTimeProvider();
        var path = Database();
        using var countries = Countries(new GeoOptions { GeoIpDatabase = path }, time);
        Assert.Equal("FR", countries.Resolve(IPAddress.Parse("127.0.0.1"), new HeaderDictionary()));

        // geoipupdate writes the new file beside the old one and renames it over.
        var next = path + ".new";
        new MmdbWriter().Add("127.0.0.0/8", MmdbWriter.Country("CA")).Write(next);
        File.Move(next, path, overwrite: true);
        Assert.Equal("FR", countries.Resolve(IPAddress.Parse("127.0.0.1"), new HeaderDictionary())); // not looked at before the interval
        time.Advance(ViewerCountries.ReloadCheckInterval);
        Assert.Equal("CA", countries.Resolve(IPAddress.Parse("127.0.0.1"), new HeaderDictionary()));

        // A file that is not a database leaves the previous one in use.
        File.WriteAllBytes(next, [1, 2, 3]);
        File.Move(next, path, overwrite: true);
        time.Advance(ViewerCountries.ReloadCheckInterval);
        Assert.Equal("CA", countries.Resolve(IPAddress.Parse("127.0.0.1"), new HeaderDictionary()));
    }

    [Fact]
    public void ADatabaseWithoutCountriesStopsTheStart()
    {
        var path = Path.Combine(_directory, "asn.mmdb");
        new MmdbWriter { DatabaseType = "GeoLite2-ASN" }.Add("127.0.0.0/8", MmdbWriter.Country("FR")).Write(path);

        var error = Assert.Throws<InvalidOperationException>(() => Countries(new GeoOptions { GeoIpDatabase = path }));
        Assert.Contains("GeoLite2-ASN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionsAreChecked()
    {
        Assert.Contains(new GeoOptions { GeoIpDatabase = Path.Combine(_directory, "missing.mmdb") }.Validate(), p => p.Contains("does not exist", StringComparison.Ordinal));
        Assert.Contains(new GeoOptions { TrustedCountryHeader = "CloudFront-Viewer-Country" }.Validate(), p => p.Contains("needs Geo.TrustedProxies", StringComparison.Ordinal));
        Assert.Contains(new GeoOptions { TrustedProxies = "10.0.0.0/8, nonsense" }.Validate(), p => p.Contains("'nonsense'", StringComparison.Ordinal));
        Assert.Contains(new GeoOptions { TrustedCountryHeader = "Bad Header", TrustedProxies = "10.0.0.1" }.Validate(), p => p.Contains("not a header name", StringComparison.Ordinal));
        Assert.Empty(new GeoOptions { TrustedCountryHeader = "CF-IPCountry", TrustedProxies = "10.0.0.1,::1, 2001:db8::/32" }.Validate());
    }

    private string Database(string databaseType = "GeoLite2-Country")
    {
        var path = Path.Combine(_directory, databaseType + ".mmdb");
        new MmdbWriter { DatabaseType = databaseType }
            .Add("127.0.0.0/8", MmdbWriter.Country("FR"))
            .Add("198.51.100.0/24", MmdbWriter.Country("DE"))
            .Add("2001:db8::/32", MmdbWriter.Country("JP"))
            .Add("::1/128", MmdbWriter.Country("JP"))
            .Write(path);
        return path;
    }

    private static ViewerCountries Countries(GeoOptions options, TimeProvider? time = null) =>
        new(options, new ResourceTables(), time ?? TimeProvider.System, NullLogger<ViewerCountries>.Instance);

    private static HeaderDictionary Forwarded(params string[] lines) => new() { ["X-Forwarded-For"] = lines };

    private static DefaultHttpContext Request(string remote)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        return context;
    }
}
