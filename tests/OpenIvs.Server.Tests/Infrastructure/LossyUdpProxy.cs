using System.Net;
using System.Net.Sockets;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A UDP relay between one client and a server that drops a share of the client's datagrams (after the first few,
/// so the connection can be set up): the packet loss an SRT sender must recover from by retransmission.
/// </summary>
public sealed class LossyUdpProxy : IAsyncDisposable
{
    private readonly UdpClient _front = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _back = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _server;
    private readonly double _lossRate;
    private readonly int _spared;
    private readonly Random _random = new(20261204);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _forward;
    private readonly Task _backward;
    private IPEndPoint? _client;

    public LossyUdpProxy(IPEndPoint server, double lossRate, int spared = 20)
    {
        _server = server;
        _lossRate = lossRate;
        _spared = spared;
        _forward = Task.Run(ForwardAsync);
        _backward = Task.Run(BackwardAsync);
    }

    public int Port => ((IPEndPoint)_front.Client.LocalEndPoint!).Port;

    public long Forwarded { get; private set; }

    public long Dropped { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _front.Dispose();
        _back.Dispose();
        await Task.WhenAll(_forward, _backward).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ForwardAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var received = await _front.ReceiveAsync(_stop.Token);
            _client = received.RemoteEndPoint;
            if (Forwarded + Dropped >= _spared && _random.NextDouble() < _lossRate)
            {
                Dropped++;
                continue;
            }

            Forwarded++;
            await _back.SendAsync(received.Buffer, _server, _stop.Token);
        }
    }

    private async Task BackwardAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var received = await _back.ReceiveAsync(_stop.Token);
            if (_client is { } client)
            {
                await _front.SendAsync(received.Buffer, client, _stop.Token);
            }
        }
    }
}
