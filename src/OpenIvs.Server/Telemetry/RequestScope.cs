using System.Collections;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// A logging scope naming what a log line is about: the request id and operation of an API call, or the
/// channel of a publish or playback request. With <c>--log-format json</c> they become fields of every
/// line written inside the scope. Ids only: a stream key or secret must never be put here.
/// </summary>
public sealed class RequestScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _fields;

    public RequestScope(string? requestId = null, string? operation = null, string? channelId = null)
    {
        _fields = new[]
            {
                new KeyValuePair<string, object?>("RequestId", requestId),
                new KeyValuePair<string, object?>("Operation", operation),
                new KeyValuePair<string, object?>("ChannelId", channelId),
            }
            .Where(f => f.Value is not null)
            .ToArray();
    }

    public int Count => _fields.Length;

    public KeyValuePair<string, object?> this[int index] => _fields[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _fields.GetEnumerator();

    public override string ToString() => string.Join(' ', _fields.Select(f => $"{f.Key}={f.Value}"));
}
