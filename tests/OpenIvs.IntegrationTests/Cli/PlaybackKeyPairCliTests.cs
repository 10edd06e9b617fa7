using System.Security.Cryptography;

namespace OpenIvs.IntegrationTests.Cli;

/// <summary>
/// Playback key pairs through the AWS CLI, with real keys from System.Security.Cryptography. Key pairs count
/// against an account quota of 3, so this class has a server of its own and its tests run one after another.
/// </summary>
public class PlaybackKeyPairCliTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly ServerProcess _server = fixture.Server;

    private static string NewP384PublicKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    [Fact]
    public async Task ImportGetListDeleteAndTheQuota()
    {
        // As the IVS docs show it: the key is read from a file.
        var pemDirectory = Directory.CreateTempSubdirectory("openivs-pem-").FullName;
        var pemFile = Path.Combine(pemDirectory, "public.pem");
        var pem = NewP384PublicKey();
        await File.WriteAllTextAsync(pemFile, pem);
        JsonNode first;
        try
        {
            first = (await AwsCli.IvsAsync(_server, "import-playback-key-pair", "--public-key-material", "file://" + pemFile,
                "--name", "cli-key", "--tags", "k=v"))!["keyPair"]!;
        }
        finally
        {
            Directory.Delete(pemDirectory, recursive: true);
        }

        var arn = IvsAssert.Str(first, "arn");
        IvsAssert.Arn(arn, "playback-key");
        Assert.Equal("cli-key", (string?)first["name"]);
        Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", (string?)first["fingerprint"]);
        var spki = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        Assert.Equal(string.Join(':', MD5.HashData(spki).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))), (string?)first["fingerprint"]);
        IvsAssert.JsonEqual(first, (await AwsCli.IvsAsync(_server, "get-playback-key-pair", "--arn", arn))!["keyPair"]);

        await AwsCli.FailsAsync(_server, "ConflictException", "import-playback-key-pair", "--public-key-material=" + pem);

        var second = IvsAssert.Str((await AwsCli.IvsAsync(_server, "import-playback-key-pair", "--public-key-material=" + NewP384PublicKey()))!["keyPair"], "arn");
        var third = IvsAssert.Str((await AwsCli.IvsAsync(_server, "import-playback-key-pair", "--public-key-material=" + NewP384PublicKey()))!["keyPair"], "arn");
        await AwsCli.FailsAsync(_server, "ServiceQuotaExceededException", "import-playback-key-pair", "--public-key-material=" + NewP384PublicKey());

        var listed = await AwsCli.IvsAsync(_server, "list-playback-key-pairs", "--page-size", "1");
        Assert.Equal([arn, second, third], listed!["keyPairs"]!.AsArray().Select(k => (string?)k!["arn"]));

        var deleted = await AwsCli.RunAsync(_server, "delete-playback-key-pair", "--arn", second);
        Assert.True(deleted.ExitCode == 0 && deleted.Stdout.Trim().Length == 0, deleted.ToString()); // 200 {}: the CLI prints nothing
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "get-playback-key-pair", "--arn", second);
        await AwsCli.FailsAsync(_server, "ResourceNotFoundException", "delete-playback-key-pair", "--arn", second);
        await AwsCli.IvsAsync(_server, "import-playback-key-pair", "--public-key-material=" + NewP384PublicKey());
    }

    [Fact]
    public async Task OnlyP384PublicKeysAreAccepted()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        foreach (var material in new[] { p256.ExportSubjectPublicKeyInfoPem(), rsa.ExportSubjectPublicKeyInfoPem(), p384.ExportPkcs8PrivateKeyPem(), "garbage" })
        {
            await AwsCli.FailsAsync(_server, "ValidationException", "import-playback-key-pair", "--public-key-material=" + material);
        }
    }
}
