using System.CommandLine;
using OpenIvs.Cli.Commands;

// Complete socket operations on the socket engine's threads rather than queueing each one to the thread
// pool: with many live streams the hand-offs cost more CPU than the media work (bench/ingest). Read once,
// when the first socket is created, so it must be set before anything opens one.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var root = new RootCommand("OpenIVS: a self-hosted, wire-compatible Amazon IVS (low-latency streaming).");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(AdminCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
