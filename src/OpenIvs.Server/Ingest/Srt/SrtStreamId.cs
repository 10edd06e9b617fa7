namespace OpenIvs.Server.Ingest.Srt;

/// <summary>
/// Reads the stream key from an SRT Stream ID. IVS takes the bare key (<c>streamid=sk_...</c>); the structured form
/// of SRT's access-control guidelines, <c>#!::r=&lt;key&gt;,m=publish</c>, is accepted too (any other mode is not a
/// publish and is refused).
/// </summary>
internal static class SrtStreamId
{
    private const string StructuredPrefix = "#!::";

    public static bool TryGetStreamKey(string? streamId, out string streamKey)
    {
        streamKey = string.Empty;
        if (string.IsNullOrEmpty(streamId))
        {
            return false;
        }

        if (!streamId.StartsWith(StructuredPrefix, StringComparison.Ordinal))
        {
            streamKey = streamId;
            return true;
        }

        string? resource = null;
        foreach (var pair in streamId[StructuredPrefix.Length..].Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            var (name, value) = (pair[..equals], pair[(equals + 1)..]);
            if (name == "m" && value != "publish")
            {
                return false;
            }

            if (name == "r")
            {
                resource = value;
            }
        }

        streamKey = resource ?? string.Empty;
        return streamKey.Length > 0;
    }
}
