namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>Reads Server-Sent Events messages (comments skipped) from a response stream.</summary>
internal sealed class SseReader(Stream stream)
{
    private readonly StreamReader _reader = new(stream);

    public async Task<List<SseMessage>> ReadAsync(int count, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        var messages = new List<SseMessage>();
        string? id = null, type = null, data = null;
        while (messages.Count < count)
        {
            var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    messages.Add(new SseMessage(id, type, data));
                }

                id = type = data = null;
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = data is null ? line[6..] : data + "\n" + line[6..];
            }
        }

        return messages;
    }
}

internal sealed record SseMessage(string? Id, string? Event, string Data);
