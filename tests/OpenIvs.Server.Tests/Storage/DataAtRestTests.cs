using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OpenIvs.Server.Tests.Infrastructure;

namespace OpenIvs.Server.Tests.Storage;

/// <summary>
/// The data directory is owner-only (0700, files 0600) and stream keys are sealed with the master key at rest:
/// the SQLite files never hold a key's value, also after migrating keys an older version stored in clear.
/// </summary>
public class DataAtRestTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task ANewDataDirectoryIsOwnerOnlyAndHoldsNoStreamKeyValue()
    {
        var dataDirectory = Path.Combine(TestServer.TempDirectory(), "data");
        var keys = new List<(string Arn, string Value)>();
        await using (var server = await TestServer.StartAsync(dataDirectory: dataDirectory))
        {
            for (var i = 0; i < 3; i++)
            {
                var created = await server.CallAsync("CreateChannel", "{}").OkAsync();
                keys.Add(((string)created["streamKey"]!["arn"]!, (string)created["streamKey"]!["value"]!));
            }

            AssertOwnerOnly(dataDirectory, "openivs.db", "openivs.db-wal", "openivs.db-shm", "credentials", "master.key", "rtmps.pfx");
            AssertNoStreamKeyValue(dataDirectory, keys); // while running: the WAL holds the recent commits
        }

        AssertNoStreamKeyValue(dataDirectory, keys);

        // Sealed, not lost: a restart reads every value back.
        await using var again = await TestServer.StartAsync(dataDirectory: dataDirectory);
        foreach (var (arn, value) in keys)
        {
            var key = await again.CallAsync("GetStreamKey", $$"""{"arn":"{{arn}}"}""").OkAsync();
            Assert.Equal(value, (string?)key["streamKey"]!["value"]);
        }
    }

    [Fact]
    public async Task KeysAndPermissionsOfAnOlderVersionAreFixedAtStart()
    {
        var dataDirectory = TestServer.TempDirectory();
        string arn, value;
        await using (var server = await TestServer.StartAsync(dataDirectory: dataDirectory))
        {
            var created = await server.CallAsync("CreateChannel", "{}").OkAsync();
            (arn, value) = ((string)created["streamKey"]!["arn"]!, (string)created["streamKey"]!["value"]!);
        }

        // What an older version left: the key in clear, world-readable files.
        StoreInClear(dataDirectory, arn, value);
        File.SetUnixFileMode(dataDirectory, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(Path.Combine(dataDirectory, "openivs.db"), OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains(value, Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dataDirectory, "openivs.db"))), StringComparison.Ordinal);

        await using (var server = await TestServer.StartAsync(dataDirectory: dataDirectory))
        {
            AssertOwnerOnly(dataDirectory, "openivs.db");
            var key = await server.CallAsync("GetStreamKey", $$"""{"arn":"{{arn}}"}""").OkAsync();
            Assert.Equal(value, (string?)key["streamKey"]!["value"]);
        }

        AssertNoStreamKeyValue(dataDirectory, [(arn, value)]);
    }

    private static void StoreInClear(string dataDirectory, string arn, string value)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "openivs.db")};Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, body FROM documents WHERE body LIKE $arn";
        select.Parameters.AddWithValue("$arn", $"%{arn}%\"ValueCiphertext\"%");
        string id, body;
        using (var reader = select.ExecuteReader())
        {
            Assert.True(reader.Read(), "the sealed stream key document");
            (id, body) = (reader.GetString(0), reader.GetString(1));
        }

        var document = JsonNode.Parse(body)!.AsObject();
        document.Remove("ValueCiphertext");
        document["Key"]!["value"] = value;
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE documents SET body = $body WHERE id = $id AND body LIKE '%ValueCiphertext%'";
        update.Parameters.AddWithValue("$body", document.ToJsonString());
        update.Parameters.AddWithValue("$id", id);
        Assert.Equal(1, update.ExecuteNonQuery());
    }

    private static void AssertOwnerOnly(string dataDirectory, params string[] files)
    {
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(dataDirectory));
        foreach (var file in files)
        {
            var path = Path.Combine(dataDirectory, file);
            Assert.True(File.Exists(path), $"{file} exists");
            Assert.True(File.GetUnixFileMode(path) == OwnerOnlyFile, $"{file} is {File.GetUnixFileMode(path)}");
        }
    }

    private static void AssertNoStreamKeyValue(string dataDirectory, IEnumerable<(string Arn, string Value)> keys)
    {
        foreach (var path in Directory.GetFiles(dataDirectory, "openivs.db*"))
        {
            byte[] bytes;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }

            foreach (var (_, value) in keys)
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) < 0, $"{Path.GetFileName(path)} holds a stream key value");
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value[^16..])) < 0, $"{Path.GetFileName(path)} holds part of a stream key value");
            }
        }
    }
}
