using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Telemetry;

namespace OpenIvs.Cli.Commands;

/// <summary><c>openivs serve</c>: runs the service until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run OpenIVS: the IVS API, ingest and playback.");
        var config = new Option<string?>("--config") { Description = "JSON configuration file (also OPENIVS_CONFIG)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level.", DefaultValueFactory = _ => LogLevel.Information };
        command.Options.Add(config);
        command.Options.Add(logLevel);
        var settings = ServeSettings.All.Where(s => s.Option != "--webhook")
            .Select(s => (Setting: s, Option: new Option<string?>(s.Option) { Description = s.Description })).ToList();
        var webhookSetting = ServeSettings.All.Single(s => s.Option == "--webhook");
        var webhooks = new Option<string[]>(webhookSetting.Option) { Description = webhookSetting.Description, Arity = ArgumentArity.OneOrMore };
        command.Options.Add(webhooks);
        foreach (var (setting, option) in settings)
        {
            if (setting.Option.StartsWith("--enable-", StringComparison.Ordinal))
            {
                option.Arity = ArgumentArity.ZeroOrOne;
            }

            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var fromCommandLine = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (setting, option) in settings)
            {
                var result = parse.GetResult(option);
                if (result is null)
                {
                    continue;
                }

                var value = parse.GetValue(option);
                fromCommandLine[setting.Key] = value ?? (setting.Option.StartsWith("--enable-", StringComparison.Ordinal) ? "true" : null);
            }

            if (parse.GetValue(webhooks) is { Length: > 0 } urls)
            {
                fromCommandLine[webhookSetting.Key] = string.Join(',', urls);
            }

            OpenIvsOptions options;
            try
            {
                options = ServeSettings.Bind(parse.GetValue(config), fromCommandLine);
                options.Validate();
            }
            catch (Exception e) when (e is InvalidOperationException or FileNotFoundException or FormatException)
            {
                await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return 2;
            }

            var level = parse.GetValue(logLevel);
            await using var server = await OpenIvsServer.CreateAsync(
                options,
                logging => logging.SetMinimumLevel(level).AddOpenIvsConsole(options.Monitoring),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var banner = $"OpenIVS {options.Region}/{options.AccountId}: API and playback on http://{options.Http}{(options.Tls.Enabled ? " and https://" + options.Tls.Https : "")}, RTMP {options.Rtmp}, RTMPS {options.Rtmps}, SRT {options.Srt}; data in {Path.GetFullPath(options.DataDirectory)}.";
            var key = $"Root access key {server.Credentials.AccessKeyId} (from {server.Credentials.Source}).";
            if (options.Monitoring.JsonLogs)
            {
                // Every stdout line stays JSON, for log shippers.
                var startup = server.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OpenIvs.Cli");
                startup.LogInformation("{Banner}", banner);
                startup.LogInformation("{RootKey}", key);
            }
            else
            {
                Console.WriteLine(banner);
                Console.WriteLine(key);
            }
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
