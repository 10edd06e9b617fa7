namespace OpenIvs.Client.Runtime;

/// <summary>
/// The shared AWS <c>config</c> and <c>credentials</c> files, as the AWS SDKs and CLI read them: INI
/// sections (<c>[default]</c>, <c>[profile NAME]</c> and <c>[services NAME]</c> in config; <c>[NAME]</c> in
/// credentials), <c>key = value</c> properties with case-insensitive keys, indented sub-properties under a
/// key with an empty value, and full-line or whitespace-preceded <c>#</c>/<c>;</c> comments. A profile's
/// values from the credentials file take precedence over the config file's.
/// </summary>
internal sealed class AwsSharedConfig
{
    private readonly Dictionary<string, Section> _profiles;
    private readonly Dictionary<string, Section> _services;

    private AwsSharedConfig(Dictionary<string, Section> profiles, Dictionary<string, Section> services)
    {
        _profiles = profiles;
        _services = services;
    }

    public static AwsSharedConfig Empty { get; } = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal));

    /// <summary>Reads both files; a missing file counts as empty.</summary>
    public static AwsSharedConfig Load(AwsEnvironment environment) =>
        Parse(ReadIfExists(environment.ConfigFile), ReadIfExists(environment.CredentialsFile));

    public static AwsSharedConfig Parse(string? configText, string? credentialsText)
    {
        var profiles = new Dictionary<string, Section>(StringComparer.Ordinal);
        var services = new Dictionary<string, Section>(StringComparer.Ordinal);
        var explicitDefault = false;
        foreach (var (header, section) in ParseSections(configText))
        {
            if (header == "default")
            {
                // "[profile default]" wins over "[default]" in the config file.
                if (!explicitDefault)
                {
                    profiles["default"] = section;
                }
            }
            else if (header.StartsWith("profile ", StringComparison.Ordinal) || header.StartsWith("profile\t", StringComparison.Ordinal))
            {
                var name = header[8..].Trim();
                explicitDefault |= name == "default";
                profiles[name] = name == "default" || !profiles.TryGetValue(name, out var existing) ? section : existing.Merge(section);
            }
            else if (header.StartsWith("services ", StringComparison.Ordinal))
            {
                services[header[9..].Trim()] = section;
            }

            // Other config sections (sso-session, plain names without "profile ") are not profiles.
        }

        foreach (var (name, section) in ParseSections(credentialsText))
        {
            profiles[name] = profiles.TryGetValue(name, out var fromConfig) ? fromConfig.Merge(section) : section;
        }

        return new AwsSharedConfig(profiles, services);
    }

    public bool HasProfile(string profile) => _profiles.ContainsKey(profile);

    /// <summary>A profile property, e.g. <c>region</c>.</summary>
    public string? Get(string profile, string key) =>
        _profiles.TryGetValue(profile, out var section) && section.Values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    /// <summary>
    /// A service-specific property: the profile's <c>services</c> key names a <c>[services NAME]</c> section,
    /// whose <paramref name="serviceKey"/> sub-properties hold it (e.g. <c>ivs = \n  endpoint_url = ...</c>).
    /// </summary>
    public string? GetServiceProperty(string profile, string serviceKey, string key)
    {
        if (Get(profile, "services") is not { } servicesName || !_services.TryGetValue(servicesName, out var section))
        {
            return null;
        }

        return section.SubProperties.TryGetValue(serviceKey, out var properties) && properties.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : null;
    }

    private static string? ReadIfExists(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<(string Header, Section Section)> ParseSections(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        string? header = null;
        Section? section = null;
        string? parentKey = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            if (trimmed[0] == '[')
            {
                if (header is not null)
                {
                    yield return (header, section!);
                }

                var close = trimmed.IndexOf(']', StringComparison.Ordinal);
                header = close < 0 ? null : trimmed[1..close].Trim();
                section = header is null ? null : new Section();
                parentKey = null;
                continue;
            }

            if (section is null)
            {
                continue;
            }

            var equals = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = trimmed[..equals].Trim().ToLowerInvariant();
            var value = StripComment(trimmed[(equals + 1)..]).Trim();
            var indented = line.Length > 0 && line[0] is ' ' or '\t';
            if (indented && parentKey is not null)
            {
                section.SubProperties[parentKey][key] = value;
                continue;
            }

            section.Values[key] = value;
            parentKey = value.Length == 0 ? key : null;
            if (parentKey is not null)
            {
                section.SubProperties[parentKey] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }
        }

        if (header is not null)
        {
            yield return (header, section!);
        }
    }

    // An inline comment starts at '#' or ';' preceded by whitespace.
    private static string StripComment(string value)
    {
        for (var i = 1; i < value.Length; i++)
        {
            if (value[i] is '#' or ';' && value[i - 1] is ' ' or '\t')
            {
                return value[..i];
            }
        }

        return value;
    }

    private sealed class Section
    {
        public Dictionary<string, string> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, Dictionary<string, string>> SubProperties { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>This section with <paramref name="overrides"/>'s values on top.</summary>
        public Section Merge(Section overrides)
        {
            var merged = new Section();
            foreach (var (key, value) in Values)
            {
                merged.Values[key] = value;
            }

            foreach (var (key, value) in SubProperties)
            {
                merged.SubProperties[key] = value;
            }

            foreach (var (key, value) in overrides.Values)
            {
                merged.Values[key] = value;
            }

            foreach (var (key, value) in overrides.SubProperties)
            {
                merged.SubProperties[key] = value;
            }

            return merged;
        }
    }
}
