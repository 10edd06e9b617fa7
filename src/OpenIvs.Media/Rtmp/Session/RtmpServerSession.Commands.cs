using OpenIvs.Media.Amf;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;

namespace OpenIvs.Media.Rtmp.Session;

public sealed partial class RtmpServerSession
{
    private const int MaxStreams = 8;

    private AmfValue? _connectObject;
    private string? _app;
    private uint _nextStreamId = 1;
    private readonly HashSet<uint> _streams = [];
    private uint? _publishStreamId;
    private bool _publishing;
    private bool _unpublished;

    /// <summary>The <c>app</c> the client connected to, once it has.</summary>
    public string? App => _app;

    /// <summary>True between an accepted publish and its end.</summary>
    public bool IsPublishing => _publishing;

    private async ValueTask<RtmpSessionEndReason?> HandleCommandAsync(RtmpMessage message, List<AmfValue> values, CancellationToken cancellationToken)
    {
        if (values.Count == 0 || values[0].AsString is not { } name)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidCommand, "A command message does not start with a command name.");
            return null;
        }

        var transactionId = values.Count > 1 ? values[1].AsNumber ?? 0 : 0;
        switch (name)
        {
            case "connect":
                HandleConnect(values, transactionId);
                return null;
            case "releaseStream":
            case "FCPublish":
                RequireConnected(name);
                if (transactionId != 0)
                {
                    SendCommand(0, CommandChunkStreamId, "_result", transactionId, null, AmfValue.Undefined);
                }

                return null;
            case "createStream":
                RequireConnected(name);
                if (_streams.Count >= MaxStreams)
                {
                    RtmpThrow.Protocol(RtmpProtocolError.UnexpectedCommand, $"More than {MaxStreams} createStream calls.");
                }

                var streamId = _nextStreamId++;
                _streams.Add(streamId);
                SendCommand(0, CommandChunkStreamId, "_result", transactionId, null, AmfValue.Number(streamId));
                return null;
            case "publish":
                return await HandlePublishAsync(message, values, cancellationToken).ConfigureAwait(false);
            case "FCUnpublish":
            case "closeStream":
                await EndPublishAsync(RtmpSessionEndReason.Unpublished, cancellationToken).ConfigureAwait(false);
                return null;
            case "deleteStream":
                var deleted = values.Count > 3 ? values[3].AsNumber : null;
                if (deleted is { } id && _publishStreamId == (uint)id)
                {
                    await EndPublishAsync(RtmpSessionEndReason.Unpublished, cancellationToken).ConfigureAwait(false);
                }

                if (deleted is { } removed)
                {
                    _streams.Remove((uint)removed);
                }

                return null;
            case "play":
            case "play2":
                SendStatus(message.MessageStreamId, "error", "NetStream.Play.Failed", "This server only accepts publishing.");
                return RtmpSessionEndReason.PlayRefused;
            default:
                // _checkbw, getStreamLength, _result/_error/onBWDone from the client, ...: nothing to answer.
                return null;
        }
    }

    private void HandleConnect(List<AmfValue> values, double transactionId)
    {
        if (_connectObject is not null)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnexpectedCommand, "A second connect on the same connection.");
        }

        var commandObject = values.Count > 2 ? values[2] : null;
        if (commandObject is null || commandObject.Type != AmfType.Object)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidCommand, "connect has no command object.");
        }

        _connectObject = commandObject;
        _app = commandObject.GetString("app") ?? string.Empty;

        Span<byte> payload = stackalloc byte[SetPeerBandwidth.PayloadLength];
        new WindowAcknowledgementSize(_options.WindowAcknowledgementSize).Write(payload);
        WriteMessage(ControlChunkStreamId, RtmpMessageType.WindowAcknowledgementSize, 0, payload[..WindowAcknowledgementSize.PayloadLength]);
        new SetPeerBandwidth(_options.PeerBandwidth, PeerBandwidthLimitType.Dynamic).Write(payload);
        WriteMessage(ControlChunkStreamId, RtmpMessageType.SetPeerBandwidth, 0, payload[..SetPeerBandwidth.PayloadLength]);
        new SetChunkSize(_options.OutgoingChunkSize).Write(payload);
        WriteMessage(ControlChunkStreamId, RtmpMessageType.SetChunkSize, 0, payload[..SetChunkSize.PayloadLength]);
        _chunkWriter.ChunkSize = _options.OutgoingChunkSize;

        var properties = AmfValue.Object(
            new("fmsVer", "FMS/3,0,1,123"),
            new("capabilities", 31.0),
            new("mode", 1.0));
        var information = AmfValue.Object(
            new("level", "status"),
            new("code", "NetConnection.Connect.Success"),
            new("description", "Connection succeeded."),
            new("objectEncoding", 0.0));
        SendCommand(0, CommandChunkStreamId, "_result", transactionId, properties, information);
    }

    private async ValueTask<RtmpSessionEndReason?> HandlePublishAsync(RtmpMessage message, List<AmfValue> values, CancellationToken cancellationToken)
    {
        RequireConnected("publish");
        if (_publishing || _publishStreamId is not null)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnexpectedCommand, "A second publish on the same connection.");
        }

        if (!_streams.Contains(message.MessageStreamId))
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnexpectedCommand, $"publish on message stream {message.MessageStreamId}, which createStream did not return.");
        }

        var streamName = values.Count > 3 ? values[3].AsString : null;
        if (streamName is null)
        {
            RtmpThrow.Protocol(RtmpProtocolError.InvalidCommand, "publish has no stream name.");
        }

        var publishType = values.Count > 4 ? values[4].AsString ?? string.Empty : string.Empty;
        var request = new RtmpPublishRequest(_app!, streamName, publishType, _connectObject!.GetString("tcUrl"), _connectObject.GetString("flashVer"), _connectObject);
        var decision = await _handler.OnPublishAsync(request, cancellationToken).ConfigureAwait(false);
        if (!decision.Accepted)
        {
            return RtmpSessionEndReason.PublishRejected;
        }

        _publishStreamId = message.MessageStreamId;
        _publishing = true;
        SendControl(UserControlMessage.StreamBegin(message.MessageStreamId));
        SendStatus(message.MessageStreamId, "status", "NetStream.Publish.Start", "Start publishing.");
        return null;
    }

    private async ValueTask EndPublishAsync(RtmpSessionEndReason reason, CancellationToken cancellationToken)
    {
        if (!_publishing)
        {
            return;
        }

        _publishing = false;
        _unpublished = reason == RtmpSessionEndReason.Unpublished;
        ReleaseMediaState();
        await _handler.OnUnpublishAsync(reason, cancellationToken).ConfigureAwait(false);
    }

    private void RequireConnected(string command)
    {
        if (_connectObject is null)
        {
            RtmpThrow.Protocol(RtmpProtocolError.UnexpectedCommand, $"{command} before connect.");
        }
    }

    private void SendStatus(uint messageStreamId, string level, string code, string description)
    {
        var information = AmfValue.Object(new("level", level), new("code", code), new("description", description));
        SendCommand(messageStreamId, StatusChunkStreamId, "onStatus", 0, null, information);
    }

    private void SendCommand(uint messageStreamId, int chunkStreamId, string name, double transactionId, AmfValue? commandObject, params ReadOnlySpan<AmfValue> arguments)
    {
        _scratch.ResetWrittenCount();
        Amf0Writer.WriteString(_scratch, name);
        Amf0Writer.WriteNumber(_scratch, transactionId);
        if (commandObject is null)
        {
            Amf0Writer.WriteNull(_scratch);
        }
        else
        {
            Amf0Writer.WriteValue(_scratch, commandObject);
        }

        foreach (var argument in arguments)
        {
            Amf0Writer.WriteValue(_scratch, argument);
        }

        WriteMessage(chunkStreamId, RtmpMessageType.CommandAmf0, messageStreamId, _scratch.WrittenSpan);
    }
}
