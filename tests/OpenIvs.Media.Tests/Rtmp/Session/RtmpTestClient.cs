using System.Buffers;
using System.IO.Pipelines;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Handshake;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Media.Rtmp.Session;
using OpenIvs.Media.Tests.Rtmp.Chunking;

namespace OpenIvs.Media.Tests.Rtmp.Session;

/// <summary>A scripted RTMP publisher talking to a <see cref="RtmpServerSession"/> over in-memory pipes.</summary>
public sealed class RtmpTestClient : IAsyncDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly RtmpChunkWriter _writer = new();
    private readonly RtmpChunkReader _reader = new();
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(60)); // a hang guard, not a timing assertion

    public RtmpTestClient(IRtmpPublishHandler handler, RtmpSessionOptions? options = null)
    {
        Session = new RtmpServerSession(_toServer.Reader, _toClient.Writer, handler, options);
    }

    public RtmpServerSession Session { get; }

    public Task<RtmpSessionEndReason> Run { get; private set; } = null!;

    public byte[] S0S1S2 { get; private set; } = [];

    public RtmpTestClient Start(CancellationToken cancellationToken = default)
    {
        Run = RunAndCloseAsync(cancellationToken);
        return this;
    }

    private async Task<RtmpSessionEndReason> RunAndCloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Session.RunAsync(cancellationToken);
        }
        finally
        {
            await _toClient.Writer.CompleteAsync();
            await _toServer.Reader.CompleteAsync();
        }
    }

    public async Task HandshakeAsync(byte[]? c1 = null)
    {
        c1 ??= new byte[RtmpHandshake.PacketLength];
        await WriteRawAsync([3, .. c1]);
        S0S1S2 = await ReadRawAsync(RtmpHandshake.ResponseLength);
        await WriteRawAsync(S0S1S2[1..1537]); // C2 echoes S1
    }

    public async Task WriteRawAsync(byte[] bytes)
    {
        await _toServer.Writer.WriteAsync(bytes, _guard.Token);
    }

    public async Task<byte[]> ReadRawAsync(int length)
    {
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync(_guard.Token);
            if (result.Buffer.Length >= length)
            {
                var bytes = result.Buffer.Slice(0, length).ToArray();
                _toClient.Reader.AdvanceTo(result.Buffer.GetPosition(length));
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException();
            }

            _toClient.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public async Task SendAsync(int chunkStreamId, RtmpMessageType type, uint messageStreamId, uint timestamp, byte[] payload)
    {
        _writer.WriteMessage(_toServer.Writer, chunkStreamId, type, messageStreamId, timestamp, payload);
        await _toServer.Writer.FlushAsync(_guard.Token);
    }

    public Task SendCommandAsync(uint messageStreamId, params AmfValue[] values) =>
        SendAsync(3, RtmpMessageType.CommandAmf0, messageStreamId, 0, Encode(values));

    public Task SendDataAsync(uint messageStreamId, params AmfValue[] values) =>
        SendAsync(4, RtmpMessageType.DataAmf0, messageStreamId, 0, Encode(values));

    public static byte[] Encode(params AmfValue[] values)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(output, value);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>The next message from the server, or <c>null</c> when it closed.</summary>
    public async Task<ChunkedMessage?> ReceiveAsync()
    {
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync(_guard.Token);
            var buffer = result.Buffer;
            if (_reader.TryReadMessage(ref buffer, out var message))
            {
                var copy = ChunkedMessage.From(message);
                _toClient.Reader.AdvanceTo(buffer.Start); // more messages may already be buffered: examined only up to here
                return copy;
            }

            _toClient.Reader.AdvanceTo(buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Everything the server sends until it closes.</summary>
    public async Task<List<ChunkedMessage>> ReceiveRestAsync()
    {
        var messages = new List<ChunkedMessage>();
        while (await ReceiveAsync() is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Skips to the next command message and decodes it.</summary>
    public async Task<List<AmfValue>> ReceiveCommandAsync()
    {
        while (true)
        {
            var message = await ReceiveAsync() ?? throw new EndOfStreamException("server closed before sending a command");
            if (message.Type == RtmpMessageType.CommandAmf0)
            {
                return Amf0Reader.ReadAll(message.Payload);
            }
        }
    }

    /// <summary>connect, releaseStream, FCPublish, createStream, publish as FFmpeg sends them.</summary>
    public async Task ConnectAsync(string app = "app")
    {
        await SendCommandAsync(0, "connect", 1.0, AmfValue.Object(
            AmfValue.Property("app", app),
            AmfValue.Property("type", "nonprivate"),
            AmfValue.Property("flashVer", "FMLE/3.0 (compatible; Lavf59.27.100)"),
            AmfValue.Property("tcUrl", $"rtmp://127.0.0.1:1935/{app}")));
    }

    public async Task<uint> CreateStreamAsync()
    {
        await SendCommandAsync(0, "releaseStream", 2.0, AmfValue.Null, "key");
        await SendCommandAsync(0, "FCPublish", 3.0, AmfValue.Null, "key");
        await SendCommandAsync(0, "createStream", 4.0, AmfValue.Null);
        while (true)
        {
            var command = await ReceiveCommandAsync();
            if (command[0].AsString == "_result" && command[1].AsNumber == 4.0)
            {
                return (uint)command[3].AsNumber!.Value;
            }
        }
    }

    public Task PublishAsync(uint streamId, string key) => SendCommandAsync(streamId, "publish", 5.0, AmfValue.Null, key, "live");

    public async Task CompleteAsync() => await _toServer.Writer.CompleteAsync();

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await _toClient.Reader.CompleteAsync();
        _reader.Dispose();
        _guard.Dispose();
    }
}
