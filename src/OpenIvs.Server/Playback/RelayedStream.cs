using System.Collections.Concurrent;
using OpenIvs.Media.Hls.Packaging;

namespace OpenIvs.Server.Playback;

/// <summary>
/// A live stream held by another node as this node relays it: where the holder is, the viewer sessions started
/// here, the shorter picture edge of each rendition (for tokens with a maximum resolution), and the resources fetched
/// from the holder (<see cref="RelayEntry"/>) by path under the stream.
/// </summary>
internal sealed class RelayedStream(string channelArn, string streamId, Uri holder, bool isPrivate, HlsContainerFormat format, long now)
{
    private readonly CancellationTokenSource _closing = new();
    private long _lastUsed = now;
    private int _closed;

    public string ChannelArn { get; } = channelArn;

    public string StreamId { get; } = streamId;

    /// <summary>The holder's advertised URL.</summary>
    public Uri Holder { get; } = holder;

    public bool IsPrivate { get; } = isPrivate;

    public HlsUriScheme UriScheme { get; } = new(format);

    /// <summary>Viewer sessions started on this node, as <see cref="HlsRendition.Sessions"/> on the holder.</summary>
    public ConcurrentDictionary<string, ViewerSession> Sessions { get; } = new(StringComparer.Ordinal);

    /// <summary>Shorter picture edge by rendition ("" for the source, else the rung's name), from the multivariant playlists.</summary>
    public ConcurrentDictionary<string, int> ShortEdges { get; } = new(StringComparer.Ordinal);

    /// <summary>Fetched and in-flight resources by their path under the stream (and query, for playlists).</summary>
    public ConcurrentDictionary<string, RelayEntry> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>Cancelled when the stream is dropped (its fetches end).</summary>
    public CancellationToken Closing => _closing.Token;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public long LastUsed => Volatile.Read(ref _lastUsed);

    public void Touch(long now) => Volatile.Write(ref _lastUsed, now);

    /// <summary>Whether the holder could not be reached at the last try (the locator then decides whether the stream is gone).</summary>
    public bool Unreachable { get; set; }

    /// <summary>Ends the relay: fetches end, cached resources go, the sessions stop counting.</summary>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }

        _closing.Cancel();
        ReleaseEntries();
        Sessions.Clear();
        return true;
    }

    /// <summary>Drops every cached resource (their buffers go back once their last viewers are answered).</summary>
    public void ReleaseEntries()
    {
        foreach (var (key, entry) in Entries)
        {
            if (entry.IsComplete && Entries.TryRemove(new KeyValuePair<string, RelayEntry>(key, entry)))
            {
                entry.Release();
            }
        }
    }
}
