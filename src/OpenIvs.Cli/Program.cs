using System.CommandLine;
using OpenIvs.Cli.Commands;

var root = new RootCommand("OpenIVS: a self-hosted, wire-compatible Amazon IVS (low-latency streaming).");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(AdminCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
