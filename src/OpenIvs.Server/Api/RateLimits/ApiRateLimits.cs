using System.Collections.Concurrent;
using System.Collections.Frozen;
using OpenIvs.Protocol.Model;
using OpenIvs.Protocol.Operations;

namespace OpenIvs.Server.Api.RateLimits;

/// <summary>
/// IVS's API rate quotas (ivs-behavior.md section 9), opt-in with <c>--enable-rate-limits</c>: requests
/// per second per operation for the account, and for PutMetadata also per channel. A call over its
/// quota is a <c>ThrottlingException</c> in IVS's wording.
/// </summary>
public sealed class ApiRateLimits(TimeProvider time)
{
    /// <summary>Transactions per second per operation, as IVS documents them.</summary>
    public static readonly FrozenDictionary<string, double> OperationTps = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["BatchGetChannel"] = 5, ["CreateChannel"] = 5, ["DeleteChannel"] = 5, ["GetChannel"] = 5, ["ListChannels"] = 5, ["UpdateChannel"] = 5,
        ["CreatePlaybackRestrictionPolicy"] = 5, ["DeletePlaybackRestrictionPolicy"] = 5, ["GetPlaybackRestrictionPolicy"] = 5,
        ["ListPlaybackRestrictionPolicies"] = 5, ["UpdatePlaybackRestrictionPolicy"] = 5,
        ["DeletePlaybackKeyPair"] = 3, ["GetPlaybackKeyPair"] = 3, ["ImportPlaybackKeyPair"] = 3, ["ListPlaybackKeyPairs"] = 3,
        ["BatchStartViewerSessionRevocation"] = 2, ["StartViewerSessionRevocation"] = 10,
        ["CreateRecordingConfiguration"] = 3, ["DeleteRecordingConfiguration"] = 3, ["GetRecordingConfiguration"] = 3, ["ListRecordingConfigurations"] = 3,
        ["GetStream"] = 5, ["GetStreamSession"] = 5, ["ListStreams"] = 5, ["ListStreamSessions"] = 5, ["StopStream"] = 5,
        ["PutMetadata"] = 155,
        ["BatchGetStreamKey"] = 5, ["CreateStreamKey"] = 5, ["DeleteStreamKey"] = 5, ["GetStreamKey"] = 5, ["ListStreamKeys"] = 5,
        ["ListTagsForResource"] = 10, ["TagResource"] = 10, ["UntagResource"] = 10,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>PutMetadata's per-channel quota.</summary>
    public const double PutMetadataPerChannelTps = 5;

    private readonly ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes one token for the operation (and the channel for PutMetadata), or throws ThrottlingException.</summary>
    public void Acquire(OperationInfo operation, object input)
    {
        if (input is PutMetadataRequest { ChannelArn: { } channelArn })
        {
            Take("PutMetadata|" + channelArn, PutMetadataPerChannelTps, operation, channelArn);
        }

        if (OperationTps.TryGetValue(operation.Name, out var tps))
        {
            Take(operation.Name, tps, operation, null);
        }
    }

    private void Take(string key, double tps, OperationInfo operation, string? resource)
    {
        var bucket = _buckets.GetOrAdd(key, static (_, state) => new TokenBucket(state.tps, state.time), (tps, time));
        if (!bucket.TryTake())
        {
            throw new ThrottlingException(resource is null
                ? $"Operation: {operation.Action} exceeded call rate: {tps:0.##}"
                : $"Operation: {operation.Action} exceeded call rate: {tps:0.##} for resource: {resource}");
        }
    }

    /// <summary>A bucket of <c>tps</c> tokens refilled continuously (bursts up to one second's worth).</summary>
    private sealed class TokenBucket
    {
        private readonly object _lock = new();
        private readonly double _tps;
        private readonly TimeProvider _time;
        private double _tokens;
        private long _last;

        public TokenBucket(double tps, TimeProvider time)
        {
            _tps = tps;
            _time = time;
            _tokens = tps;
            _last = time.GetTimestamp();
        }

        public bool TryTake()
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                _tokens = Math.Min(_tps, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _tps));
                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }
    }
}
