using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace OpenIvs.IntegrationTests.Infrastructure;

/// <summary>An HTTP request written byte for byte: any method, any (valid) request target, any body bytes.</summary>
public sealed record RawRequest(string Method, string Target, byte[] Body)
{
    /// <summary>The Content-Type header; empty sends none.</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>Extra headers, sent and signed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Send <c>Transfer-Encoding: chunked</c> instead of <c>Content-Length</c>.</summary>
    public bool Chunked { get; init; }

    public static RawRequest Json(string method, string target, string json) => new(method, target, Encoding.UTF8.GetBytes(json));

    public override string ToString()
    {
        var body = Body.Length > 300 ? $"{Body.Length} bytes" : Encoding.UTF8.GetString(Body).Replace("\n", "\\n", StringComparison.Ordinal);
        return $"{Method} {Target} {body}";
    }
}

/// <summary>A response as received; <see cref="Json"/> is set when the body parses as a JSON object.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonObject? Json
    {
        get
        {
            try
            {
                return Body.Length == 0 ? null : JsonNode.Parse(Body) as JsonObject;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() =>
        $"{Status} {string.Join(' ', Headers.Select(h => $"{h.Key}: {h.Value};"))} {(Body.Length > 500 ? Text[..500] + "..." : Text)}";
}

/// <summary>
/// Sends raw HTTP/1.1 requests over a socket (one connection per request), so malformed bodies, odd methods
/// and unusual paths reach the server exactly as written. Every request is SigV4-signed with the root key
/// here, in one place (<see cref="SendAsync"/>), so the tests keep working once the server checks signatures.
/// </summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(Uri endpoint, RawRequest request, bool sign = true, CancellationToken cancellationToken = default)
    {
        var host = $"{endpoint.Host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", host),
            new("X-Amz-Date", SigV4Signer.AmzDate(DateTimeOffset.UtcNow)),
        };
        if (request.ContentType.Length > 0 && (request.Body.Length > 0 || request.Method is "POST" or "PUT" or "PATCH"))
        {
            headers.Add(new("Content-Type", request.ContentType));
        }

        headers.AddRange(request.Headers);
        if (sign)
        {
            var signature = SigV4Signer.Sign(request.Method, request.Target, headers, request.Body,
                TestCredentials.AccessKeyId, TestCredentials.SecretAccessKey, TestCredentials.Region, "ivs");
            headers.Add(new("Authorization", signature.Authorization));
        }

        var head = new StringBuilder();
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append(request.Chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {request.Body.Length.ToString(CultureInfo.InvariantCulture)}\r\n");
        head.Append("Connection: close\r\n\r\n");

        using var client = new TcpClient();
        await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        try
        {
            if (request.Chunked)
            {
                const int chunk = 16 * 1024;
                for (var offset = 0; offset < request.Body.Length; offset += chunk)
                {
                    var length = Math.Min(chunk, request.Body.Length - offset);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken).ConfigureAwait(false);
                    await stream.WriteAsync(request.Body.AsMemory(offset, length), cancellationToken).ConfigureAwait(false);
                    await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                }

                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await stream.WriteAsync(request.Body, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The server may answer (and close) before reading a body it refuses; read what it said.
        }

        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException) when (received.Length > 0)
        {
            // Reset after the response was sent (the server closed without reading the whole body).
        }

        return Parse(received.ToArray(), request.Method == "HEAD");
    }

    private static RawResponse Parse(byte[] data, bool head)
    {
        var end = data.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new InvalidDataException($"Incomplete HTTP response ({data.Length} bytes): {Encoding.UTF8.GetString(data)}");
        }

        var lines = Encoding.ASCII.GetString(data, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var existing) ? existing + "," + value : value;
        }

        var body = data[(end + 4)..];
        if (head)
        {
            return new RawResponse(status, headers, []);
        }

        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }
        else if (headers.TryGetValue("Content-Length", out var length))
        {
            var declared = int.Parse(length, CultureInfo.InvariantCulture);
            if (body.Length < declared)
            {
                throw new InvalidDataException($"Truncated body: {body.Length} of {declared} bytes.");
            }

            body = body[..declared];
        }

        return new RawResponse(status, headers, body);
    }

    private static byte[] Dechunk(byte[] data)
    {
        var output = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = data.AsSpan(position).IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(data, position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            if (size == 0)
            {
                return output.ToArray();
            }

            output.Write(data, position, size);
            position += size + 2;
        }
    }
}
