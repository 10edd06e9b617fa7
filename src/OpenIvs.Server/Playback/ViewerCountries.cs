using System.Collections.Concurrent;
using System.Net;
using MaxMind.Db;
using MaxMind.GeoIP2;
using Microsoft.Extensions.Primitives;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Playback;

/// <summary>
/// The viewer's country for playback restriction policies (<see cref="GeoOptions"/>): the trusted header when a
/// trusted proxy sent it, otherwise the GeoIP database's country for the viewer's address (the connection's,
/// or from a trusted proxy the last untrusted address of <c>X-Forwarded-For</c>). Null when it cannot be told.
/// </summary>
internal sealed partial class ViewerCountries : IDisposable
{
    /// <summary>How often lookups look at the database file's time and size for a new release.</summary>
    internal static readonly TimeSpan ReloadCheckInterval = TimeSpan.FromSeconds(10);
    private readonly string? _path;
    private readonly string? _header;
    private readonly IReadOnlyList<IPNetwork> _trustedProxies;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _reload = new();
    private GeoDatabase? _database;
    private (DateTime, long) _stamp;
    private long _nextCheck;

    public ViewerCountries(GeoOptions options, ResourceTables resources, TimeProvider time, ILogger<ViewerCountries> logger)
    {
        _time = time;
        _logger = logger;
        _header = options.TrustedCountryHeader.Length > 0 ? options.TrustedCountryHeader : null;
        _trustedProxies = GeoOptions.TryParseNetworks(options.TrustedProxies, out var networks, out _) ? networks : [];
        if (options.GeoIpDatabase.Length > 0)
        {
            _path = options.GeoIpDatabase;
            _stamp = Stamp(_path);
            _database = GeoDatabase.Open(_path);
            _nextCheck = time.GetTimestamp() + Ticks(ReloadCheckInterval);
            LogDatabase(logger, _path, _database.Reader.Metadata.DatabaseType, _database.Reader.Metadata.BuildDate);
        }

        if (_header is not null)
        {
            LogHeader(logger, _header, options.TrustedProxies);
        }

        if (!HasSource)
        {
            var restricting = resources.PlaybackRestrictionPolicies.Values.Count(p => RestrictsCountries(p.Policy.AllowedCountries));
            if (restricting > 0)
            {
                LogNoSourceWithPolicies(logger, restricting);
            }
            else
            {
                LogNoSource(logger);
            }
        }
    }

    /// <summary>True when a country can be told at all (a database or a trusted header is configured).</summary>
    public bool HasSource => _path is not null || _header is not null;

    /// <summary>Whether a policy's <c>allowedCountries</c> limits anything: not when empty or containing <c>*</c>.</summary>
    public static bool RestrictsCountries(IReadOnlyCollection<string>? allowedCountries) =>
        allowedCountries is { Count: > 0 } && !allowedCountries.Contains("*");

    /// <summary>The viewer's country, an upper-case ISO 3166-1 alpha-2 code, or null when it cannot be told.</summary>
    public string? Resolve(HttpContext context) => Resolve(context.Connection.RemoteIpAddress, context.Request.Headers);

    public string? Resolve(IPAddress? remote, IHeaderDictionary headers)
    {
        if (remote is null)
        {
            return null;
        }

        remote = GeoOptions.Normalize(remote);
        var fromProxy = IsTrustedProxy(remote);
        if (fromProxy && _header is not null && headers.TryGetValue(_header, out var header) && header.Count == 1 && IsCountryCode(header[0]))
        {
            return header[0]!.ToUpperInvariant();
        }

        if (CurrentDatabase() is not { } database)
        {
            return null;
        }

        var viewer = fromProxy ? ForwardedFor(remote, headers["X-Forwarded-For"]) : remote;
        if (viewer is null)
        {
            return null;
        }

        return database.Country(viewer);
    }

    public void Dispose() => _database?.Reader.Dispose();

    /// <summary>
    /// The database, opened again when its file changed (geoipupdate replaces it weekly): checked on lookups at most
    /// every <see cref="ReloadCheckInterval"/>; a file that cannot be used is logged once and the previous one stays.
    /// </summary>
    private GeoDatabase? CurrentDatabase()
    {
        var now = _time.GetTimestamp();
        if (_path is not null && now >= Volatile.Read(ref _nextCheck) && _reload.TryEnter())
        {
            try
            {
                Volatile.Write(ref _nextCheck, now + Ticks(ReloadCheckInterval));
                var stamp = Stamp(_path);
                if (stamp != _stamp)
                {
                    _stamp = stamp;
                    var opened = GeoDatabase.Open(_path);

                    // The previous reader is left to the collector: lookups in progress may still read its mapping.
                    Volatile.Write(ref _database, opened);
                    LogDatabase(_logger, _path, opened.Reader.Metadata.DatabaseType, opened.Reader.Metadata.BuildDate);
                }
            }
            catch (InvalidOperationException e)
            {
                LogReloadFailed(_logger, _path, e.Message);
            }
            finally
            {
                _reload.Exit();
            }
        }

        return Volatile.Read(ref _database);
    }

    private long Ticks(TimeSpan interval) => (long)(interval.TotalSeconds * _time.TimestampFrequency);

    private static (DateTime, long) Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : default;
    }

    private bool IsTrustedProxy(IPAddress address)
    {
        foreach (var network in _trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The client a chain of trusted proxies forwarded for: X-Forwarded-For read from the right, the first address
    /// that is not a trusted proxy (anything to its left could be made up by the client). Null if an entry is not an
    /// address; the connection's address without the header.
    /// </summary>
    private IPAddress? ForwardedFor(IPAddress remote, StringValues forwardedFor)
    {
        var viewer = remote;
        for (var line = forwardedFor.Count - 1; line >= 0; line--)
        {
            var entries = (forwardedFor[line] ?? string.Empty).Split(',', StringSplitOptions.TrimEntries);
            for (var i = entries.Length - 1; i >= 0; i--)
            {
                if (!IPAddress.TryParse(entries[i], out var address))
                {
                    return null;
                }

                viewer = GeoOptions.Normalize(address);
                if (!IsTrustedProxy(viewer))
                {
                    return viewer;
                }
            }
        }

        return viewer;
    }

    /// <summary>GeoIP2's reader answers a City or Enterprise database only through their own responses, and checks the type.</summary>
    private static Func<DatabaseReader, IPAddress, string?> LookupFor(string databaseType, string path)
    {
        if (databaseType.Contains("Enterprise", StringComparison.Ordinal))
        {
            return static (reader, address) => reader.TryEnterprise(address, out var response) ? response?.Country.IsoCode : null;
        }

        if (databaseType.Contains("City", StringComparison.Ordinal))
        {
            return static (reader, address) => reader.TryCity(address, out var response) ? response?.Country.IsoCode : null;
        }

        if (databaseType.Contains("Country", StringComparison.Ordinal))
        {
            return static (reader, address) => reader.TryCountry(address, out var response) ? response?.Country.IsoCode : null;
        }

        throw new InvalidOperationException($"The GeoIP database '{path}' is a {databaseType} database: a Country, City or Enterprise database is needed.");
    }

    /// <summary>An open database and the lookup its type needs.</summary>
    private sealed record GeoDatabase(DatabaseReader Reader, Func<DatabaseReader, IPAddress, string?> Lookup)
    {
        // A lookup builds GeoIP2's whole response (about 4 us and 2.4 KB); a viewer asks for several parts a second.
        private const int CacheLimit = 65_536;
        private readonly ConcurrentDictionary<IPAddress, string?> _cache = new();

        /// <summary>The address's country (upper case), or null when the database does not know it.</summary>
        public string? Country(IPAddress address)
        {
            if (_cache.TryGetValue(address, out var cached))
            {
                return cached;
            }

            string? country;
            try
            {
                country = Lookup(Reader, address) is { } code && IsCountryCode(code) ? code.ToUpperInvariant() : null;
            }
            catch (Exception e) when (e is InvalidDatabaseException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
            {
                return null; // a damaged record (or a file rewritten in place): unknown, so a restricting policy refuses; not cached
            }

            if (_cache.Count >= CacheLimit)
            {
                _cache.Clear(); // crude, but bounded; the busy addresses come back at once
            }

            _cache[address] = country;
            return country;
        }

        /// <summary>Opens <paramref name="path"/>; throws <see cref="InvalidOperationException"/> naming it when it cannot be used.</summary>
        public static GeoDatabase Open(string path)
        {
            DatabaseReader reader;
            try
            {
                reader = new DatabaseReader(path, FileAccessMode.MemoryMapped);
            }
            catch (Exception e) when (e is InvalidDatabaseException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"The GeoIP database '{path}' cannot be read: {e.Message}", e);
            }

            try
            {
                return new GeoDatabase(reader, LookupFor(reader.Metadata.DatabaseType, path));
            }
            catch
            {
                reader.Dispose();
                throw;
            }
        }
    }

    private static bool IsCountryCode(string? value) => value is { Length: 2 } && char.IsAsciiLetter(value[0]) && char.IsAsciiLetter(value[1]);

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer countries from the GeoIP database {Path} ({DatabaseType}, built {BuildDate:yyyy-MM-dd}).")]
    private static partial void LogDatabase(ILogger logger, string path, string databaseType, DateTime buildDate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The GeoIP database {Path} changed but cannot be used ({Reason}); the previous one stays in use.")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Viewer countries from the {Header} header when a trusted proxy ({TrustedProxies}) sends it.")]
    private static partial void LogHeader(ILogger logger, string header, string trustedProxies);

    [LoggerMessage(Level = LogLevel.Information, Message = "Country restrictions cannot be enforced without a source (--geoip-db or --trusted-country-header): channels whose playback restriction policy lists allowedCountries refuse every viewer.")]
    private static partial void LogNoSource(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Country restrictions cannot be enforced without a source (--geoip-db or --trusted-country-header): {Count} playback restriction policies list allowedCountries, and public channels using them refuse every viewer.")]
    private static partial void LogNoSourceWithPolicies(ILogger logger, int count);
}
