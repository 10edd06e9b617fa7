using System.Diagnostics;
using System.Text.Json.Nodes;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// A real moto server (<c>python3 -m moto.server</c>: EventBridge, SQS and the rest of AWS's APIs) on a free
/// loopback port, for the EventBridge sink and end-to-end tests:
/// <code>
/// await using var moto = await MotoServer.StartAsync();
/// var queue = await moto.CreateQueueWithRuleAsync("""{"source": ["aws.ivs"]}""");
/// await using var server = await TestServer.StartAsync(o => o.Events.EventBridgeEndpoint = moto.Endpoint.ToString(),
///     services: s => s.AddSingleton&lt;IAwsCredentialsProvider&gt;(new StaticCredentialsProvider(MotoServer.Credentials)));
/// var events = await moto.ReceiveAsync(queue, count: 4);   // the EventBridge events, as JSON
/// </code>
/// AWS calls are made with boto3 (a short Python script per call), so the test side is a real AWS client.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    public const string Region = "us-west-2";

    private readonly Process _process;

    private MotoServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public const string AccessKeyId = "testing";
    public const string SecretAccessKey = "testing";

    /// <summary>Any key works with moto (it does not check signatures); these are moto's usual test values.</summary>
    public static Protocol.Auth.SigV4Credentials Credentials { get; } = new("testing", "testing");

    public Uri Endpoint { get; }

    /// <summary>Starts moto on <paramref name="port"/>, or on a free port (retried if another process takes it first).</summary>
    public static async Task<MotoServer> StartAsync(int? port = null)
    {
        // AWSSDK.S3 in the server under test (recording destinations) reads the standard variables (the credential chain).
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretAccessKey);
        for (var attempt = 1; ; attempt++)
        {
            var listen = port ?? TestServer.FreePort();
            var start = new ProcessStartInfo("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", listen.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new MotoServer(process, new Uri($"http://127.0.0.1:{listen}"));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(server.Endpoint, "/moto-api/"));
                    return server;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
                catch (TaskCanceledException)
                {
                }
            }

            await server.DisposeAsync();
            if (attempt >= 3 || port is not null)
            {
                throw new InvalidOperationException("moto.server did not start (is moto[server] installed? scripts/install-test-deps.sh installs it).");
            }
        }
    }

    /// <summary>Runs a Python script with <c>boto3</c> imported and <c>client(name)</c> bound to this server; returns its stdout.</summary>
    public async Task<string> Boto3Async(string script)
    {
        var prelude = $"""
            import boto3, json, sys
            def client(name):
                return boto3.client(name, endpoint_url="{Endpoint}", region_name="{Region}",
                                    aws_access_key_id="testing", aws_secret_access_key="testing")

            """;
        var start = new ProcessStartInfo("python3", ["-c", prelude + script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"boto3 script failed ({process.ExitCode}): {await stderr}");
        }

        return (await stdout).Trim();
    }

    /// <summary>Creates an SQS queue and, on <paramref name="bus"/> (created unless <c>default</c>), a rule with <paramref name="pattern"/> targeting it; returns the queue URL.</summary>
    public Task<string> CreateQueueWithRuleAsync(string pattern, string bus = "default") => Boto3Async($$"""
        name = "q" + __import__("uuid").uuid4().hex[:12]
        sqs = client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = client("events")
        if "{{bus}}" != "default":
            events.create_event_bus(Name="{{bus}}")
        events.put_rule(Name="r" + name, EventPattern={{JsonValue.Create(pattern).ToJsonString()}}, EventBusName="{{bus}}", State="ENABLED")
        events.put_targets(Rule="r" + name, EventBusName="{{bus}}", Targets=[{"Id": "t1", "Arn": arn}])
        print(url)
        """);

    /// <summary>Waits until the queue has delivered at least <paramref name="count"/> messages; returns their bodies as JSON.</summary>
    public async Task<List<JsonNode>> ReceiveAsync(string queueUrl, int count, TimeSpan? within = null)
    {
        var received = new List<JsonNode>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (received.Count < count)
        {
            var output = await Boto3Async($$"""
                sqs = client("sqs")
                r = sqs.receive_message(QueueUrl="{{queueUrl}}", MaxNumberOfMessages=10, WaitTimeSeconds=1)
                bodies = []
                for m in r.get("Messages", []):
                    bodies.append(json.loads(m["Body"]))
                    sqs.delete_message(QueueUrl="{{queueUrl}}", ReceiptHandle=m["ReceiptHandle"])
                print(json.dumps(bodies))
                """);
            received.AddRange(JsonNode.Parse(output)!.AsArray().Select(n => n!.DeepClone()));
            if (received.Count < count && DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The queue delivered {received.Count} of {count} messages.");
            }
        }

        return received;
    }

    /// <summary>Runs <c>aws s3 ...</c> (the real AWS CLI) against moto; returns standard output, failing the test on a non-zero exit.</summary>
    public async Task<string> AwsAsync(string arguments)
    {
        var start = new ProcessStartInfo("aws", $"{arguments} --endpoint-url {Endpoint.GetLeftPart(UriPartial.Authority)} --region {Region}")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_ACCESS_KEY_ID"] = AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"aws {arguments}: {await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
