using System.Net;
using System.Net.Sockets;
using PostgresCluster = OpenIvs.Tests.Shared.PostgresCluster;

namespace OpenIvs.IntegrationTests.Startup;

/// <summary>
/// A listener that cannot bind ends <c>openivs serve</c> at once with the reason: a supervisor (systemd, compose, a
/// test harness) sees the exit and can act, instead of a process that runs its background work without a listener.
/// </summary>
public class PortInUseTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task APortAlreadyInUseEndsTheProcessWithTheReason(bool postgres)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string[] extra = postgres ? ["--postgres", await PostgresCluster.CreateDatabaseAsync(), "--node-id", "port-in-use"] : [];

        // Ending is what is checked (the harness sees the exit); before the fix the process never ended and the
        // harness gave up with a TimeoutException instead.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new ServerOptions { HttpPort = port, ExtraArguments = extra }));
        Assert.Contains("address already in use", failure.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code", failure.Message, StringComparison.Ordinal);
    }
}
