using System.Collections;

namespace OpenIvs.Server.Telemetry;

/// <summary>
/// A logging scope naming what a log line is about: the request id and operation of an API call, or the
/// channel of a publish or playback request. With <c>--log-format json</c> they become fields of every
/// line written inside the scope. Ids only: a stream key or secret must never be put here.
/// </summary>
public sealed class RequestScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    // Which fields are set, in order: one object per request, no arrays or LINQ (this runs per API call).
    private readonly string? _requestId;
    private readonly string? _operation;
    private readonly string? _channelId;

    public RequestScope(string? requestId = null, string? operation = null, string? channelId = null)
    {
        _requestId = requestId;
        _operation = operation;
        _channelId = channelId;
        Count = (requestId is null ? 0 : 1) + (operation is null ? 0 : 1) + (channelId is null ? 0 : 1);
    }

    public int Count { get; }

    public KeyValuePair<string, object?> this[int index]
    {
        get
        {
            foreach (var field in Fields())
            {
                if (index-- == 0)
                {
                    return field;
                }
            }

            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Fields().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', Fields().Select(f => $"{f.Key}={f.Value}"));

    private IEnumerable<KeyValuePair<string, object?>> Fields()
    {
        if (_requestId is not null)
        {
            yield return new("RequestId", _requestId);
        }

        if (_operation is not null)
        {
            yield return new("Operation", _operation);
        }

        if (_channelId is not null)
        {
            yield return new("ChannelId", _channelId);
        }
    }
}
