using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;

namespace OpenIvs.IntegrationTests.Fuzz;

/// <summary>
/// CsCheck generators of API requests, driven by the botocore model: bodies shaped like an operation's input
/// with valid, boundary and wrong values mixed in (wrong JSON types, oversized members, invalid ARNs, unknown
/// members), byte-level damage (invalid UTF-8, truncation, deep nesting, garbage), wrong methods and random paths.
/// </summary>
public sealed class RequestGenerators(IvsModel model, IReadOnlyList<string> knownArns)
{
    private const int MaxDepth = 4;

    private static readonly Gen<JsonNode?> NullNode = Gen.Const((JsonNode?)null);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] ResourceTypes =
        ["channel", "stream-key", "playback-key", "recording-configuration", "playback-restriction-policy", "ad-configuration", "unknown-type", "", "channel/x"];

    // Pieces strings are built from: model-valid characters, separators, and characters patterns refuse.
    private static readonly Gen<string> Piece = Gen.OneOf(
        "a", "Z", "0", "9", "-", "_", ".", ":", "/", "=", "+", "@", " ", "é", "中", "😀", "\u200b", "\u0000", "\"", "\\", "\n", "%", "*", "<", "'", "~");

    private static readonly Gen<string> AnyText = Piece.Array[0, 24].Select(string.Concat);

    private static readonly Gen<string> LongText = Gen.Frequency(
        (3, Gen.Int[120, 140].Select(n => new string('a', n))),
        (2, Gen.Int[250, 1100].Select(n => new string('x', n))),
        (1, Gen.Int[2000, 70_000].Select(n => string.Concat(Enumerable.Repeat("é中", n / 2)))));

    private static readonly Gen<string> Alphanumeric = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].Array[1, 20].Select(c => new string(c));

    /// <summary>Any JSON value, whatever the member expects: the wrong-type cases.</summary>
    private static Gen<JsonNode?> Wild(int depth) => Gen.Frequency(
        (3, NullNode),
        (3, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (3, Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i))),
        (2, Gen.OneOf("1e999", "-0", "0.5", "-1", "99999999999999999999999", "1E2", "9223372036854775808", "-2147483649", "2147483648")
            .Select(n => JsonNode.Parse(n))),
        (3, AnyText.Select(s => (JsonNode?)JsonValue.Create(s))),
        (1, Gen.OneOf("\"\\u0000\"", "\"\\u00e9\"", "\"\\/\"").Select(s => JsonNode.Parse(s))),
        (2, depth >= MaxDepth ? NullNode : Gen.Int[0, 3].SelectMany(n => Wild(depth + 1).Array[n]).Select(a => (JsonNode?)new JsonArray(a))),
        (2, depth >= MaxDepth ? NullNode : Gen.Select(AnyText, Wild(depth + 1)).Array[0, 3].Select(ToObject)));

    public Gen<string> Arn => Gen.Frequency(
        (4, Gen.OneOf(knownArns.ToArray())),
        (4, Gen.Select(Gen.OneOf(ResourceTypes), Alphanumeric, (type, id) => $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:{type}/{id}")),
        (1, Gen.Select(Gen.OneOf("eu-west-1", "US-WEST-2", "", "us_west_2"), Gen.OneOf("123456789012", "", "abc"), Alphanumeric,
            (region, account, id) => $"arn:aws:ivs:{region}:{account}:channel/{id}")),
        (1, Gen.OneOf("arn:aws:s3:::bucket", "arn:aws-cn:ivs:cn-north-1:000000000000:channel/abc", "arn:aws:ivs", "arn:aws:ivs:::/",
            "arn:aws:mediatailor:us-west-2:000000000000:playbackConfiguration/ok", "")),
        (1, knownArns.Count == 0 ? AnyText : Gen.Select(Gen.OneOf(knownArns.ToArray()), Gen.Int[0, 3], (arn, cut) => cut switch
        {
            0 => arn + "x",
            1 => arn.ToUpperInvariant(),
            2 => arn[..^1],
            _ => arn + new string('a', 128),
        })),
        (2, AnyText),
        (1, LongText));

    /// <summary>
    /// A request for <paramref name="operation"/>: a model-valid input, a valid input with one member replaced by
    /// something wrong, or an input that is wrong all over (wrong JSON types, oversized members, bad ARNs, unknown
    /// members, nulls).
    /// </summary>
    public Gen<RawRequest> ForOperation(ModelOperation operation)
    {
        var bodyMembers = operation.Input.Where(m => m.Location is null).ToList();
        var body = bodyMembers.Count > 0
            ? Gen.Frequency(
                    (4, Structure(bodyMembers, 0, chaotic: false)),
                    (3, OneMemberWrong(bodyMembers)),
                    (3, Structure(bodyMembers, 0, chaotic: true)))
                .Select(node => Encoding.UTF8.GetBytes(node?.ToJsonString(Relaxed) ?? "null"))
            : Gen.OneOf(Gen.Const(Array.Empty<byte>()), Gen.Const("{}"u8.ToArray()), Wild(0).Select(n => Encoding.UTF8.GetBytes(n?.ToJsonString(Relaxed) ?? "null")));

        var labelMember = operation.Input.FirstOrDefault(m => m.Location == "uri");
        var label = labelMember is null
            ? Gen.Const(string.Empty)
            : PathSafe(Gen.Frequency((3, ValidString(labelMember.Shape)), (2, Arn))).Select(SigV4Signer.Encode);
        var query = operation.Input.FirstOrDefault(m => m.Location == "querystring") is { } queryMember
            ? TagKeysQuery(queryMember.LocationName!)
            : Gen.Const(string.Empty);
        return Gen.Select(body, label, query, Gen.Frequency((9, Gen.Const("application/json")), (1, Gen.OneOf("text/plain", "application/x-amz-json-1.1", "", "application/json; charset=latin1"))), Gen.Bool,
            (bytes, encodedLabel, q, contentType, chunked) => new RawRequest(operation.Method, operation.PathPrefix + encodedLabel + q, bytes)
            {
                ContentType = contentType,
                Chunked = chunked && bytes.Length > 0,
            });
    }

    /// <summary>A request for <paramref name="operation"/> whose body is damaged at the byte level.</summary>
    public Gen<RawRequest> DamagedBody(ModelOperation operation) =>
        Gen.Select(ForOperation(operation), Damage, (request, damage) => request with { Body = damage(request.Body) });

    /// <summary>A known path with a method it does not take (or an odd one).</summary>
    public Gen<RawRequest> WrongMethod =>
        Gen.Select(Gen.OneOf(model.Operations.ToArray()), Gen.OneOf("GET", "PUT", "PATCH", "DELETE", "POST", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "FOO"), Arn, Gen.Bool,
            (operation, method, arn, withBody) => new RawRequest(method, operation.PathPrefix + (operation.Label is null ? string.Empty : SigV4Signer.Encode(KestrelSafe(arn))),
                withBody ? "{}"u8.ToArray() : []))
        .Where(r => model.Route(r.Method, r.Target) is null);

    /// <summary>Paths that name no operation.</summary>
    public Gen<RawRequest> RandomPath =>
        Gen.Select(
            Gen.OneOf(PathSafe(AnyText).Select(SigV4Signer.Encode), Gen.OneOf(model.Operations.Select(o => o.Name).ToArray()).Select(n => n.ToLowerInvariant()),
                Gen.OneOf("tags", "tags/", "_openivs", "health/x", "..", "%2e%2e", "%2F", "CreateChannel/", "CreateChannel%20")).Array[0, 4],
            Gen.OneOf("GET", "POST", "DELETE", "PUT"),
            Gen.OneOf("", "?a=b", "?tagKeys=x&tagKeys=y", "?%ff=%fe"),
            (segments, method, query) => new RawRequest(method, "/" + string.Join('/', segments) + query, "{}"u8.ToArray()))
        .Where(r => r.Target.Split('?')[0] != "/health" && !r.Target.StartsWith("/_openivs/", StringComparison.Ordinal)
                    && !model.Operations.Any(o => o.Label is null ? r.Target.Split('?')[0] == o.RequestUri : r.Target.StartsWith(o.PathPrefix, StringComparison.Ordinal)));

    /// <summary>
    /// Keeps a path segment within what Kestrel itself accepts: it answers a request line over 8 KiB (414) and a
    /// percent-encoded NUL in the path (400) on its own, before the API sees the request, without the IVS error
    /// shape. Those two HTTP-layer refusals are outside what this suite checks.
    /// </summary>
    private static Gen<string> PathSafe(Gen<string> segment) => segment.Select(KestrelSafe);

    private static string KestrelSafe(string segment)
    {
        segment = segment.Replace("\0", string.Empty, StringComparison.Ordinal);
        return segment.Length > 600 ? segment[..600] : segment;
    }

    private static readonly Gen<Func<byte[], byte[]>> Damage = Gen.Frequency<Func<byte[], byte[]>>(
        (3, Gen.Double.Unit.Select<double, Func<byte[], byte[]>>(f => b => b[..(int)(b.Length * f)])),
        (3, Gen.Select(Gen.Double.Unit, Gen.OneOf(new byte[] { 0xC3, 0x28 }, [0xFF], [0xED, 0xA0, 0x80], [0xF0, 0x28, 0x8C, 0x28], [0xC0, 0xAF], [0x00]))
            .Select<(double, byte[]), Func<byte[], byte[]>>(t => b =>
            {
                var at = (int)(b.Length * t.Item1);
                return [.. b[..at], .. t.Item2, .. b[at..]];
            })),
        (2, Gen.OneOf("}", "]", ",", "garbage", "{}", "\u0000", " ").Select<string, Func<byte[], byte[]>>(tail => b => [.. b, .. Encoding.UTF8.GetBytes(tail)])),
        (1, Gen.Const<Func<byte[], byte[]>>(b => [0xEF, 0xBB, 0xBF, .. b])),
        (2, Gen.Byte.Array[1, 200].Select<byte[], Func<byte[], byte[]>>(random => _ => random)),
        (2, Gen.Int[65, 5000].Select<int, Func<byte[], byte[]>>(depth => _ => Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth)))),
        (2, Gen.Int[65, 3000].Select<int, Func<byte[], byte[]>>(depth => _ =>
            Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)))),
        (1, Gen.Const<Func<byte[], byte[]>>(b => b.Length > 2 ? [.. b[..^1], .. ",\"name\":\"dup\",\"name\":\"dup2\"}"u8] : b)),
        // Escaped lone surrogates: valid JSON syntax, invalid UTF-16 (System.Text.Json's writer cannot produce them).
        (2, Gen.OneOf("\\ud800", "\\udfff\\ud800", "a\\udbff").Select<string, Func<byte[], byte[]>>(escape => b =>
            b.Length > 2 && b[0] == '{' && b[1] != '}'
                ? [(byte)'{', .. Encoding.ASCII.GetBytes($"\"name\":\"{escape}\","), .. b[1..]]
                : Encoding.ASCII.GetBytes($"{{\"name\":\"{escape}\"}}"))));

    private Gen<string> TagKeysQuery(string name) => Gen.Frequency(
        (6, ValidString("TagKey").Array[1, 4].Select(keys => "?" + string.Join('&', keys.Select(k => name + "=" + SigV4Signer.Encode(k))))),
        (6, AnyText.Where(k => k.Length <= 40).Array[0, 6].Select(keys => keys.Length == 0 ? string.Empty : "?" + string.Join('&', keys.Select(k => name + "=" + SigV4Signer.Encode(k))))),
        (1, Gen.Const("?" + string.Join('&', Enumerable.Range(0, 51).Select(i => $"{name}=k{i}")))),
        (1, Gen.Const($"?{name}={new string('k', 129)}")),
        (1, Gen.Const($"?{name}")),
        (1, Gen.Const($"?{name}=%ZZ&{name}=%C0%AF")));

    /// <summary>A structure: in valid mode required members always and optional ones often, each valid; in chaotic mode anything goes.</summary>
    private Gen<JsonNode?> Structure(IReadOnlyList<ModelMember> members, int depth, bool chaotic)
    {
        Gen<List<KeyValuePair<string, JsonNode?>>> fields = Gen.Const(() => new List<KeyValuePair<string, JsonNode?>>());
        foreach (var member in members)
        {
            var value = Value(member.Shape, depth + 1, chaotic);
            var required = member.Required && !chaotic;
            fields =
                from list in fields
                from include in Gen.Int[0, 9]
                from node in value
                select required || include < (chaotic ? 7 : 5) ? [.. list, new KeyValuePair<string, JsonNode?>(member.Name, node)] : list;
        }

        if (!chaotic)
        {
            return fields.Select(f => ToObject(f.Select(kv => (kv.Key, kv.Value)).ToArray()));
        }

        var unknown = Gen.Frequency(
            (8, Gen.Const(() => new List<KeyValuePair<string, JsonNode?>>())),
            (2, Gen.Select(AnyText, Wild(depth + 1)).Select(t => new List<KeyValuePair<string, JsonNode?>> { new("unknown" + t.Item1, t.Item2) })));
        return Gen.Frequency(
            (12, Gen.Select(fields, unknown, (known, extra) => ToObject(known.Concat(extra).DistinctBy(f => f.Key).Select(f => (f.Key, f.Value)).ToArray()))),
            (1, Wild(depth)));
    }

    /// <summary>A valid input with exactly one top-level member replaced by a chaotic value (or removed, or an unknown one added).</summary>
    private Gen<JsonNode?> OneMemberWrong(IReadOnlyList<ModelMember> members) =>
        from valid in Structure(members, 0, chaotic: false)
        from index in Gen.Int[0, members.Count]
        from wrong in index < members.Count ? Value(members[index].Shape, 1, chaotic: true) : Wild(1)
        from remove in Gen.Int[0, 5]
        select Replace(valid, index < members.Count ? members[index].Name : "unknownMember", remove == 0 && index < members.Count ? null : wrong, remove == 0);

    private static JsonNode? Replace(JsonNode? valid, string member, JsonNode? value, bool remove)
    {
        var copy = valid!.DeepClone().AsObject();
        if (remove)
        {
            copy.Remove(member);
        }
        else
        {
            copy[member] = value;
        }

        return copy;
    }

    private Gen<JsonNode?> Value(string shapeName, int depth, bool chaotic)
    {
        var shape = model.Shapes[shapeName];
        var type = (string)shape["type"]!;
        if (depth > MaxDepth)
        {
            return NullNode;
        }

        int? min = shape["min"] is JsonValue mn ? (int)(long)mn : null;
        int? max = shape["max"] is JsonValue mx ? (int)Math.Min((long)mx, int.MaxValue) : null;
        if (!chaotic)
        {
            return type switch
            {
                "string" => ValidString(shapeName).Select(s => (JsonNode?)JsonValue.Create(s)),
                "integer" or "long" => Gen.Int[min ?? 0, Math.Min(max ?? 1000, 1000)].Select(i => (JsonNode?)JsonValue.Create(i)),
                "boolean" => Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
                "list" => Gen.Int[min ?? 0, Math.Max(min ?? 0, Math.Min(max ?? 3, 3))]
                    .SelectMany(n => Value((string)shape["member"]!["shape"]!, depth + 1, chaotic: false).Array[n])
                    .Select(items => (JsonNode?)new JsonArray(items)),
                "map" => Gen.Select(ValidString((string)shape["key"]!["shape"]!), Value((string)shape["value"]!["shape"]!, depth + 1, chaotic: false)).Array[0, 3]
                    .Select(ToObject),
                "structure" => Structure(Members(shape), depth, chaotic: false),
                _ => NullNode,
            };
        }

        Gen<JsonNode?> typed = type switch
        {
            "string" => Gen.Frequency((2, ValidString(shapeName)), (3, ChaoticString(shapeName, shape))).Select(s => (JsonNode?)JsonValue.Create(s)),
            "integer" or "long" => Gen.Frequency(
                (3, Gen.Int[-2, 400].Select(i => (JsonNode?)JsonValue.Create(i))),
                (1, Gen.OneOf(0, 1, 20, 21, 50, 51, 60, 61, 100, 101, 300, 301, int.MaxValue, int.MinValue).Select(i => (JsonNode?)JsonValue.Create(i))),
                (1, Gen.Long.Select(l => (JsonNode?)JsonValue.Create(l)))),
            "boolean" => Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
            "timestamp" => Gen.OneOf("2026-01-01T00:00:00Z", "yesterday", "1700000000").Select(s => (JsonNode?)JsonValue.Create(s)),
            "list" => Gen.Frequency((6, Gen.Int[0, 4]), (1, Gen.Int[19, 23]), (1, Gen.Int[49, 52]))
                .SelectMany(n => Value((string)shape["member"]!["shape"]!, depth + 1, chaotic: true).Array[n])
                .Select(items => (JsonNode?)new JsonArray(items)),
            "map" => Gen.Frequency((6, Gen.Int[0, 4]), (1, Gen.Int[49, 52]))
                .SelectMany(n => Gen.Select(ChaoticString((string)shape["key"]!["shape"]!, model.Shapes[(string)shape["key"]!["shape"]!]),
                    Value((string)shape["value"]!["shape"]!, depth + 1, chaotic: true)).Array[n])
                .Select(ToObject),
            "structure" => Structure(Members(shape), depth, chaotic: true),
            _ => Wild(depth),
        };
        return Gen.Frequency((5, typed), (1, Wild(depth)));
    }

    private static List<ModelMember> Members(JsonObject shape)
    {
        var required = shape["required"] is JsonArray list ? list.Select(r => (string)r!).ToHashSet(StringComparer.Ordinal) : [];
        return [.. shape["members"]!.AsObject().Select(m => new ModelMember(m.Key, (string)m.Value!["shape"]!, null, null) { Required = required.Contains(m.Key) })];
    }

    /// <summary>A value the model accepts for a string shape (enum, ARN of the right type, pattern, length).</summary>
    public Gen<string> ValidString(string shapeName)
    {
        var shape = model.Shapes[shapeName];
        if (shape["enum"] is JsonArray values)
        {
            return Gen.OneOf(values.Select(v => (string)v!).ToArray());
        }

        var pattern = (string?)shape["pattern"] ?? string.Empty;
        var arnType = System.Text.RegularExpressions.Regex.Match(pattern, @"arn:aws:ivs:\[a-z0-9-\]\+:\[0-9\]\+:([a-z-]+)/");
        if (arnType.Success)
        {
            var type = arnType.Groups[1].Value;
            var known = knownArns.Where(a => a.Contains($":{type}/", StringComparison.Ordinal)).ToArray();
            var made = Alphanumeric.Select(id => $"arn:aws:ivs:{TestCredentials.Region}:{TestCredentials.Account}:{type}/{id}");
            var arn = known.Length > 0 ? Gen.Frequency((3, Gen.OneOf(known)), (1, made)) : made;
            return pattern.StartsWith("^$|", StringComparison.Ordinal) ? Gen.Frequency((4, arn), (1, Gen.Const(string.Empty))) : arn;
        }

        return shapeName switch
        {
            "ResourceArn" => knownArns.Count > 0 ? Gen.OneOf(knownArns.ToArray()) : Arn,
            "MediaTailorPlaybackConfigurationArn" => Alphanumeric.Select(id => $"arn:aws:mediatailor:{TestCredentials.Region}:{TestCredentials.Account}:playbackConfiguration/{id}"),
            "StreamId" => Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].Array[23].Select(c => "st-" + new string(c)),
            "S3DestinationBucketName" => Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-."].Array[3, 20].Select(c => new string(c)),
            "PlaybackRestrictionPolicyAllowedCountry" => Gen.OneOf("US", "DE", "FR", "JP", "BR"),
            "PlaybackRestrictionPolicyAllowedOrigin" => Gen.OneOf("https://example.com", "https://a.example.org:8443", string.Empty),
            "PlaybackPublicKeyMaterial" => Gen.Const(() =>
            {
                using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
                return key.ExportSubjectPublicKeyInfoPem();
            }),
            "PaginationToken" => Gen.Const(string.Empty),
            "TagKey" => Gen.Char["abcXYZ019_.:/=+-@ é"].Array[1, 20].Select(c => new string(c).Trim() is { Length: > 0 } t ? t : "k"),
            "TagValue" => Gen.Char["abcXYZ019_.:/=+-@ é"].Array[0, 30].Select(c => new string(c)),
            "StreamMetadata" => AnyText.Select(t => t.Length == 0 ? "m" : t),
            _ when pattern == "[a-zA-Z0-9-_]*" => Gen.Char["abcXYZ019-_"].Array[0, 20].Select(c => new string(c)),
            _ => Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].Array[
                shape["min"] is JsonValue mn ? (int)(long)mn : 1, Math.Min(shape["max"] is JsonValue mx ? (int)(long)mx : 20, 20)].Select(c => new string(c)),
        };
    }

    private Gen<string> ChaoticString(string shapeName, JsonObject shape)
    {
        if (shape["enum"] is not null)
        {
            return Gen.Frequency((1, AnyText), (1, Gen.OneOf("", "low", "STANDARD ", "NONE")));
        }

        if (shapeName.EndsWith("Arn", StringComparison.Ordinal))
        {
            return Arn;
        }

        if (shapeName == "PaginationToken")
        {
            return Gen.Frequency((3, Alphanumeric), (1, AnyText), (1, LongText), (1, Gen.Const("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));
        }

        if (shapeName == "PlaybackPublicKeyMaterial")
        {
            return Gen.Frequency((3, AnyText), (1, Gen.Const("-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE\n-----END PUBLIC KEY-----\n")),
                (1, Gen.Byte.Array[1, 120].Select(b => $"-----BEGIN PUBLIC KEY-----\n{Convert.ToBase64String(b)}\n-----END PUBLIC KEY-----\n")));
        }

        return Gen.Frequency((2, Alphanumeric), (3, AnyText), (1, Gen.Const(string.Empty)), (1, LongText));
    }

    private static JsonNode? ToObject((string Key, JsonNode? Value)[] fields)
    {
        var result = new JsonObject();
        foreach (var (key, value) in fields)
        {
            result[key] = value;
        }

        return result;
    }
}
