// OpenIvs.Client example. Against a local OpenIVS:
//   ./openivs serve --data-dir .data --http 127.0.0.1:8080        (prints where its root key is)
//   AWS_REGION=us-west-2 AWS_ENDPOINT_URL=http://127.0.0.1:8080 \
//   AWS_SHARED_CREDENTIALS_FILE=.data/credentials dotnet run --project examples/OpenIvs.Client.Example
// Against Amazon IVS: your usual AWS_PROFILE / AWS_REGION, nothing else.
using System.Security.Cryptography;
using OpenIvs.Client;
using OpenIvs.Client.Ingest;
using OpenIvs.Client.PlaybackTokens;
using OpenIvs.Protocol.Errors;
using OpenIvs.Protocol.Model;

using var ivs = new IvsClient(new IvsClientOptions());
Console.WriteLine($"Endpoint {ivs.Configuration.Endpoint} ({ivs.Configuration.EndpointSource}), region {ivs.Configuration.Region} ({ivs.Configuration.RegionSource})");

try
{
    // 1. Create a private channel; CreateChannel also creates its stream key.
    var created = await ivs.CreateChannelAsync(new CreateChannelRequest
    {
        Name = "example-" + DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture),
        LatencyMode = ChannelLatencyMode.Low,
        Authorized = true,
        Tags = new() { ["created-by"] = "OpenIvs.Client.Example" },
    });
    var channel = created.Channel!;
    Console.WriteLine($"Created {channel.Arn}");

    // 2. Where to publish, and where to watch. The stream key is a secret: print it only here, on purpose.
    var ingest = IngestUrls.Create(channel, created.StreamKey!);
    Console.WriteLine($"  RTMPS server: {ingest.RtmpsServer}");
    Console.WriteLine($"  Stream key:   {ingest.StreamKey}");
    Console.WriteLine($"  SRT:          {(ingest.Srt is null ? "-" : "srt://… (see IngestUrls.Srt)")}");
    Console.WriteLine($"  Playback URL: {channel.PlaybackUrl}");

    // 3. List every channel, page by page, with the paginator.
    var count = 0;
    await foreach (var summary in ivs.PaginateListChannels(new ListChannelsRequest { MaxResults = 10 }).Items)
    {
        Console.WriteLine($"  - {summary.Name,-24} {summary.Arn}");
        count++;
    }

    Console.WriteLine($"{count} channel(s).");

    // 4. Private channels need a playback token: import a P-384 public key, sign with the private key.
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    var keyPair = await ivs.ImportPlaybackKeyPairAsync(new ImportPlaybackKeyPairRequest
    {
        PublicKeyMaterial = key.ExportSubjectPublicKeyInfoPem(),
        Name = "example-key",
    });
    using var signer = new PlaybackTokenSigner(key);
    var token = signer.Sign(new PlaybackTokenClaims
    {
        ChannelArn = channel.Arn!,
        ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10),
        ViewerId = "viewer-1",
        MaximumResolution = PlaybackMaximumResolution.FullHd,
    });
    Console.WriteLine($"Playback with token: {PlaybackTokenSigner.AuthorizeUrl(channel.PlaybackUrl!, token)}");

    // Clean up what the example made.
    await ivs.DeletePlaybackKeyPairAsync(new DeletePlaybackKeyPairRequest { Arn = keyPair.KeyPair!.Arn });
    await ivs.DeleteChannelAsync(new DeleteChannelRequest { Arn = channel.Arn });
    Console.WriteLine("Deleted the channel and the key pair.");
    return 0;
}
catch (IvsException e)
{
    Console.Error.WriteLine($"IVS answered {e.ErrorCode} (HTTP {e.StatusCode}, request {e.RequestId}): {e.Message}");
    return 1;
}
