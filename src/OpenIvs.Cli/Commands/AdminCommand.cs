using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenIvs.Server.Auth.Iam;
using OpenIvs.Server.Hosting;
using OpenIvs.Server.Storage;
using OpenIvs.Server.Storage.Sqlite;

namespace OpenIvs.Cli.Commands;

/// <summary>
/// <c>openivs admin</c>: users, access keys and IAM policies. Works on the data directory directly
/// (the server need not run; a running server picks changes up within a second). Output is JSON.
/// </summary>
internal static class AdminCommand
{
    private static readonly JsonSerializerOptions OutputOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var admin = new Command("admin", "Manage users, access keys and IAM policies.");
        var dataDir = new Option<string>("--data-dir") { Description = "Data directory of the server (default: data, or OPENIVS_DATA_DIR).", Recursive = true };
        admin.Options.Add(dataDir);

        var user = new Option<string>("--user") { Description = "User name.", Required = true };
        var policy = new Option<string>("--policy") { Description = "Policy name.", Required = true };
        var keyId = new Option<string>("--access-key-id") { Description = "Access key id.", Required = true };

        admin.Subcommands.Add(Sub("create-user", "Create a user (ARN arn:aws:iam::{account}:user/{name}).", [user], dataDir,
            async (iam, parse, ct) => UserJson(await iam.CreateUserAsync(parse.GetValue(user)!, ct))));
        admin.Subcommands.Add(Sub("delete-user", "Delete a user and its access keys.", [user], dataDir,
            async (iam, parse, ct) => { await iam.DeleteUserAsync(parse.GetValue(user)!, ct); return null; }));
        admin.Subcommands.Add(Sub("list-users", "List users with their attached policies.", [], dataDir,
            (iam, _, _) => Task.FromResult<JsonNode?>(new JsonObject { ["Users"] = new JsonArray([.. iam.ListUsers().Select(UserJson)]) })));
        admin.Subcommands.Add(Sub("create-access-key", "Create an access key for a user. The secret is shown this once.", [user], dataDir,
            async (iam, parse, ct) => KeyJson(await iam.CreateAccessKeyAsync(parse.GetValue(user)!, ct))));
        admin.Subcommands.Add(Sub("rotate-access-key", "Replace a user's access key with a new one (the old one stops working).", [user, keyId], dataDir,
            async (iam, parse, ct) => KeyJson(await iam.RotateAccessKeyAsync(parse.GetValue(user)!, parse.GetValue(keyId)!, ct))));
        admin.Subcommands.Add(Sub("delete-access-key", "Delete an access key.", [keyId], dataDir,
            async (iam, parse, ct) => { await iam.DeleteAccessKeyAsync(parse.GetValue(keyId)!, ct); return null; }));
        var forUser = new Option<string?>("--user") { Description = "Only this user's keys." };
        admin.Subcommands.Add(Sub("list-access-keys", "List access keys (never their secrets).", [forUser], dataDir,
            (iam, parse, _) => Task.FromResult<JsonNode?>(new JsonObject
            {
                ["AccessKeyMetadata"] = new JsonArray([.. iam.ListAccessKeys(parse.GetValue(forUser)).Select(k => (JsonNode)new JsonObject
                {
                    ["UserName"] = k.UserName,
                    ["AccessKeyId"] = k.AccessKeyId,
                    ["CreateDate"] = k.CreatedAt.ToString("O"),
                    ["Expiration"] = k.Expiration?.ToString("O"),
                })]),
            })));
        var duration = new Option<int>("--duration-seconds") { Description = "Lifetime of the credentials (900-129600).", DefaultValueFactory = _ => 3600 };
        admin.Subcommands.Add(Sub("create-session-credentials", "Issue temporary credentials (key, secret, session token) for a user.", [user, duration], dataDir,
            async (iam, parse, ct) => KeyJson(await iam.CreateSessionCredentialsAsync(parse.GetValue(user)!, TimeSpan.FromSeconds(parse.GetValue(duration)), ct))));
        var document = new Option<string>("--policy-document") { Description = "The policy JSON, or file://path to read it from.", Required = true };
        admin.Subcommands.Add(Sub("put-policy", "Create or replace a managed IAM policy.", [policy, document], dataDir,
            async (iam, parse, ct) =>
            {
                var text = parse.GetValue(document)!;
                if (text.StartsWith("file://", StringComparison.Ordinal))
                {
                    text = await File.ReadAllTextAsync(text["file://".Length..], ct);
                }

                var stored = await iam.PutPolicyAsync(parse.GetValue(policy)!, text, ct);
                return new JsonObject { ["PolicyName"] = stored.PolicyName, ["UpdateDate"] = stored.UpdatedAt.ToString("O") };
            }));
        admin.Subcommands.Add(Sub("delete-policy", "Delete a managed policy that no user has attached.", [policy], dataDir,
            async (iam, parse, ct) => { await iam.DeletePolicyAsync(parse.GetValue(policy)!, ct); return null; }));
        admin.Subcommands.Add(Sub("list-policies", "List managed policies with their documents.", [], dataDir,
            (iam, _, _) => Task.FromResult<JsonNode?>(new JsonObject
            {
                ["Policies"] = new JsonArray([.. iam.ListPolicies().Select(p => (JsonNode)new JsonObject
                {
                    ["PolicyName"] = p.PolicyName,
                    ["PolicyDocument"] = JsonNode.Parse(p.Document),
                })]),
            })));
        admin.Subcommands.Add(Sub("attach-policy", "Attach a managed policy to a user.", [user, policy], dataDir,
            async (iam, parse, ct) => { await iam.AttachPolicyAsync(parse.GetValue(user)!, parse.GetValue(policy)!, ct); return null; }));
        admin.Subcommands.Add(Sub("detach-policy", "Detach a managed policy from a user.", [user, policy], dataDir,
            async (iam, parse, ct) => { await iam.DetachPolicyAsync(parse.GetValue(user)!, parse.GetValue(policy)!, ct); return null; }));
        return admin;
    }

    private static Command Sub(
        string name, string description, Option[] options, Option<string> dataDir,
        Func<IamAdministration, ParseResult, CancellationToken, Task<JsonNode?>> run)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(dataDir) ?? Environment.GetEnvironmentVariable("OPENIVS_DATA_DIR") ?? "data";
            DataDirectory.Prepare(directory);
            // OPENIVS_POSTGRES: the cluster's database (the data directory still holds the master key that seals secrets).
            var postgres = Environment.GetEnvironmentVariable("OPENIVS_POSTGRES");
            await using IStateStore durable = string.IsNullOrEmpty(postgres)
                ? new SqliteStateStore(Path.Combine(directory, "openivs.db"))
                : new OpenIvs.Server.Storage.Postgres.PostgresStateStore(postgres);
            await durable.InitializeAsync(cancellationToken);
            var store = new DocumentStore(durable);
            var tables = new IamTables();
            await store.LoadAsync(tables.All, cancellationToken);
            var iam = new IamAdministration(store, tables, SecretBox.Open(directory), TimeProvider.System);
            try
            {
                var result = await run(iam, parse, cancellationToken);
                if (result is not null)
                {
                    Console.WriteLine(result.ToJsonString(OutputOptions));
                }

                return 0;
            }
            catch (IamAdministrationException e)
            {
                await Console.Error.WriteLineAsync("openivs admin: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static JsonNode UserJson(IamUserRecord user) => new JsonObject
    {
        ["UserName"] = user.UserName,
        ["CreateDate"] = user.CreatedAt.ToString("O"),
        ["AttachedPolicies"] = new JsonArray([.. user.AttachedPolicies.Select(p => (JsonNode)p)]),
    };

    private static JsonNode KeyJson(IssuedAccessKey key) => new JsonObject
    {
        ["AccessKey"] = new JsonObject
        {
            ["UserName"] = key.UserName,
            ["AccessKeyId"] = key.AccessKeyId,
            ["SecretAccessKey"] = key.SecretAccessKey,
            ["SessionToken"] = key.SessionToken,
            ["Expiration"] = key.Expiration?.ToString("O"),
        },
    };
}
