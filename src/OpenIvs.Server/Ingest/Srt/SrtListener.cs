using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Hosting;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;
using OpenIvs.Server.Streams;

namespace OpenIvs.Server.Ingest.Srt;

/// <summary>
/// The SRT ingest listener (UDP, libsrt in live mode): <c>srt://host:port?streamid=&lt;stream key&gt;&amp;passphrase=&lt;channel.srt.passphrase&gt;</c>.
/// A listen callback decides before the handshake completes: an unknown key or a live channel is rejected, and a
/// channel without insecureIngest gets its passphrase set on the incoming socket, so libsrt (with enforced
/// encryption) refuses a caller with a wrong or missing passphrase itself. A wrong key never becomes a connection.
/// Each accepted caller runs on its own thread as an <see cref="SrtPublisher"/>.
/// </summary>
public sealed unsafe partial class SrtListener : IHostedService, IDisposable
{
    private const int Backlog = 64;
    private readonly IPEndPoint? _endPoint;
    private readonly IngestOptions _options;
    private readonly IStreamHub _hub;
    private readonly ResourceTables _resources;
    private readonly ILogger<SrtListener> _logger;
    private readonly ConcurrentDictionary<SrtPublisher, byte> _publishers = new();
    private GCHandle _self;
    private int _socket = SrtNative.InvalidSocket;
    private Thread? _acceptThread;
    private volatile bool _stopping;

    /// <summary>A listener on <paramref name="endPoint"/>, or none (null: SRT is off).</summary>
    public SrtListener(IPEndPoint? endPoint, IngestOptions options, IStreamHub hub, ResourceTables resources, ILogger<SrtListener> logger)
    {
        _endPoint = endPoint;
        _options = options;
        _hub = hub;
        _resources = resources;
        _logger = logger;
    }

    /// <summary>The bound address, once started (null when the listener is off).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_endPoint is not { } endPoint)
        {
            return Task.CompletedTask;
        }

        SrtNative.EnsureLoaded(_logger);
        var socket = SrtNative.srt_create_socket();
        if (socket == SrtNative.InvalidSocket)
        {
            throw new InvalidOperationException("SRT: could not create the listening socket: " + SrtNative.LastError());
        }

        try
        {
            Configure(socket, endPoint);
        }
        catch
        {
            SrtNative.srt_close(socket);
            throw;
        }

        _socket = socket;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "srt-accept" };
        _acceptThread.Start();
        LogListening(_logger, LocalEndPoint!.ToString());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_socket != SrtNative.InvalidSocket)
        {
            SrtNative.srt_close(_socket); // wakes srt_accept
        }

        foreach (var publisher in _publishers.Keys)
        {
            publisher.Shutdown();
        }

        _acceptThread?.Join(TimeSpan.FromSeconds(5));
        foreach (var publisher in _publishers.Keys)
        {
            publisher.Join(TimeSpan.FromSeconds(5));
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (_self.IsAllocated && (_acceptThread is null || !_acceptThread.IsAlive))
        {
            _self.Free();
        }
    }

    private void Configure(int socket, IPEndPoint endPoint)
    {
        var latency = (int)_options.SrtLatency.TotalMilliseconds;
        if (!SrtNative.SetInt(socket, SrtOption.TransType, SrtNative.TransTypeLive)
            || !SrtNative.SetInt(socket, SrtOption.Latency, latency)
            || !SrtNative.SetInt(socket, SrtOption.EnforcedEncryption, 1))
        {
            throw new InvalidOperationException("SRT: could not configure the listening socket: " + SrtNative.LastError());
        }

        Span<byte> address = stackalloc byte[28];
        var length = SrtAddress.Write(endPoint, address);
        fixed (byte* pointer = address)
        {
            if (SrtNative.srt_bind(socket, pointer, length) != 0)
            {
                throw new IOException($"SRT: could not bind UDP {endPoint}: {SrtNative.LastError()}");
            }

            var boundLength = address.Length;
            LocalEndPoint = SrtNative.srt_getsockname(socket, pointer, &boundLength) == 0 ? SrtAddress.Read(address[..boundLength]) : endPoint;
        }

        _self = GCHandle.Alloc(this);
        if (SrtNative.srt_listen_callback(socket, &OnIncoming, GCHandle.ToIntPtr(_self)) != 0
            || SrtNative.srt_listen(socket, Backlog) != 0)
        {
            throw new IOException($"SRT: could not listen on UDP {endPoint}: {SrtNative.LastError()}");
        }
    }

    private void AcceptLoop()
    {
        Span<byte> address = stackalloc byte[28];
        while (!_stopping)
        {
            int socket;
            fixed (byte* pointer = address)
            {
                var length = address.Length;
                socket = SrtNative.srt_accept(_socket, pointer, &length);
            }

            if (socket == SrtNative.InvalidSocket)
            {
                if (!_stopping)
                {
                    LogAcceptFailed(_logger, SrtNative.LastError());
                    Thread.Sleep(50); // a persistent failure must not spin
                }

                continue;
            }

            var publisher = new SrtPublisher(socket, this, _hub, _logger);
            _publishers[publisher] = 0;
            if (_stopping)
            {
                publisher.Close();
            }

            publisher.Start();
        }
    }

    internal void Remove(SrtPublisher publisher) => _publishers.TryRemove(publisher, out _);

    /// <summary>The channel a stream key publishes to, or null (the hub admits by the same index).</summary>
    internal Channel? FindChannel(string streamKey) =>
        _resources.StreamKeys.TryGetByUniqueKey(streamKey, out var key)
        && IvsArn.TryParse(key.Key.ChannelArn, out var arn)
        && _resources.Channels.TryGet(arn.Value.Id, out var record)
            ? record.Channel
            : null;

    /// <summary>
    /// libsrt's listen callback, on its receiving thread, before the handshake is answered: accept (0) or reject (-1).
    /// Only cheap, in-memory checks; the hub admits for real once the caller is connected.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnIncoming(nint opaque, int socket, int handshakeVersion, byte* peer, byte* streamId)
    {
        try
        {
            var listener = (SrtListener)GCHandle.FromIntPtr(opaque).Target!;
            return listener.Admit(socket, streamId is null ? null : Marshal.PtrToStringUTF8((nint)streamId)) ? 0 : -1;
        }
        catch (Exception)
        {
            return -1; // never let an exception cross into libsrt
        }
    }

    private bool Admit(int socket, string? streamId)
    {
        if (_stopping)
        {
            return Reject(socket, SrtNative.RejectUnavailable, null, "the server is stopping");
        }

        if (!SrtStreamId.TryGetStreamKey(streamId, out var streamKey) || FindChannel(streamKey) is not { } channel)
        {
            return Reject(socket, SrtNative.RejectForbidden, null, "unknown stream key");
        }

        if (_hub.Find(channel.Arn!) is not null)
        {
            return Reject(socket, SrtNative.RejectConflict, channel.Arn, "the channel is already live");
        }

        if (channel.InsecureIngest == true)
        {
            // In the clear, as IVS documents (no passphrase). A caller that sends one is refused by libsrt (enforced
            // encryption): a listener holding a key drops clear packets, so "optional" encryption cannot work.
            return true;
        }

        var passphrase = channel.Srt?.Passphrase;
        if (passphrase is not { Length: >= 10 and <= 79 } || !SrtNative.SetBytes(socket, SrtOption.Passphrase, Encoding.UTF8.GetBytes(passphrase)))
        {
            return Reject(socket, SrtNative.RejectUnavailable, channel.Arn, "the channel has no usable SRT passphrase");
        }

        return true;
    }

    private bool Reject(int socket, int code, string? channelArn, string reason)
    {
        SrtNative.srt_setrejectreason(socket, code);
        LogRejected(_logger, channelArn ?? "-", reason);
        return false;
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Information, Message = "SRT ingest listening on UDP {EndPoint}")]
    private static partial void LogListening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 421, Level = LogLevel.Information, Message = "SRT caller for {ChannelArn} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string channelArn, string reason);

    [LoggerMessage(EventId = 422, Level = LogLevel.Warning, Message = "SRT accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);
}
