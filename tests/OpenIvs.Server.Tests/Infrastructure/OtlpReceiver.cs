using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP collector in the test process: Kestrel on a free port takes <c>POST /v1/traces</c>
/// (protobuf) and keeps each body. <see cref="Attributes"/> decodes just enough of OTLP to read span
/// names and string attributes.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<byte[]> _bodies = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint => new(_app.Urls.First());

    public IReadOnlyCollection<byte[]> Bodies => _bodies;

    /// <summary>Notified at each export received.</summary>
    public Changes Changes { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver._bodies.Enqueue(body.ToArray());
            receiver.Changes.Notify();
            context.Response.ContentType = "application/x-protobuf";
            return Results.Bytes([], "application/x-protobuf"); // an empty ExportTraceServiceResponse
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Every span received: its name, trace id (hex) and string attributes.</summary>
    public IReadOnlyList<Span> Spans()
    {
        var spans = new List<Span>();
        foreach (var body in _bodies)
        {
            // ExportTraceServiceRequest{1: ResourceSpans{2: ScopeSpans{2: Span}}}
            foreach (var resource in Fields(body).Where(f => f.Number == 1))
            {
                foreach (var scope in Fields(resource.Bytes).Where(f => f.Number == 2))
                {
                    foreach (var span in Fields(scope.Bytes).Where(f => f.Number == 2))
                    {
                        spans.Add(ReadSpan(span.Bytes));
                    }
                }
            }
        }

        return spans;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // Span{1: trace_id, 2: span_id, 4: parent_span_id, 5: name, 9: KeyValue{1: key, 2: AnyValue{1: string_value}}}
    private static Span ReadSpan(byte[] span)
    {
        string name = string.Empty, traceId = string.Empty, parentSpanId = string.Empty;
        var attributes = new Dictionary<string, string>();
        foreach (var field in Fields(span))
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(field.Bytes); break;
                case 4: parentSpanId = Convert.ToHexStringLower(field.Bytes); break;
                case 5: name = Encoding.UTF8.GetString(field.Bytes); break;
                case 9:
                    var kv = Fields(field.Bytes).ToList();
                    var key = kv.FirstOrDefault(f => f.Number == 1)?.Bytes;
                    var value = kv.FirstOrDefault(f => f.Number == 2)?.Bytes;
                    var text = value is null ? null : Fields(value).FirstOrDefault(f => f.Number == 1 && f.WireType == 2)?.Bytes;
                    if (key is not null && text is not null)
                    {
                        attributes[Encoding.UTF8.GetString(key)] = Encoding.UTF8.GetString(text);
                    }

                    break;
            }
        }

        return new Span(name, traceId, parentSpanId, attributes);
    }

    /// <summary>The top-level fields of a protobuf message (varints as no bytes, length-delimited with their bytes).</summary>
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0: ReadVarint(message, ref position); yield return new Field(number, wireType, []); break;
                case 1: position += 8; yield return new Field(number, wireType, []); break;
                case 5: position += 4; yield return new Field(number, wireType, []); break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    yield return new Field(number, wireType, message.AsSpan(position, length).ToArray());
                    position += length;
                    break;
                default: throw new InvalidDataException($"Unexpected protobuf wire type {wireType}.");
            }
        }
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private sealed record Field(int Number, int WireType, byte[] Bytes);

    public sealed record Span(string Name, string TraceId, string ParentSpanId, IReadOnlyDictionary<string, string> Attributes);
}
