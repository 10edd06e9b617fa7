using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using OpenIvs.Media.Amf;
using OpenIvs.Media.Rtmp.Chunking;
using OpenIvs.Media.Rtmp.Messages;
using OpenIvs.Server.Tests.Infrastructure;
using OpenIvs.Tests.Shared;

namespace OpenIvs.Server.Tests.Ingest;

/// <summary>
/// An Enhanced RTMP multitrack publisher for tests (Debian's ffmpeg 5.1 cannot send multitrack video): ffmpeg encodes
/// one H.264 clip per track with the same frame rate and fixed keyframes, and this client sends them over TCP in real
/// time as OBS does: every track's sequence header in one multitrack message, track 0's frames as ordinary FLV video
/// (with the audio), the other tracks' frames as one-track multitrack messages at the same timestamps.
/// </summary>
public sealed class MultitrackPublisher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TcpClient _tcp = new();

    /// <summary>Completes when the server closed the connection (or the clips ran out); its result is how it ended.</summary>
    public Task<string> Ended { get; private set; } = Task.FromResult(string.Empty);

    /// <summary>Encodes the track clips (cached per size), connects, publishes and starts sending in real time.</summary>
    public static async Task<MultitrackPublisher> StartAsync(string url, IReadOnlyList<(int Width, int Height)> tracks, int fps = 30, int seconds = 40)
    {
        var clips = new List<List<Tag>>();
        for (var i = 0; i < tracks.Count; i++)
        {
            clips.Add(ReadTags(await ClipAsync(tracks[i].Width, tracks[i].Height, fps, seconds, withAudio: i == 0)));
        }

        var uri = new Uri(url);
        var publisher = new MultitrackPublisher();
        await publisher._tcp.ConnectAsync(uri.Host, uri.Port);
        publisher.Ended = publisher.RunAsync(uri.AbsolutePath.TrimStart('/').Split('/', 2), clips);
        return publisher;
    }

    private async Task<string> RunAsync(string[] appAndKey, List<List<Tag>> clips)
    {
        var stream = _tcp.GetStream();
        var output = PipeWriter.Create(stream);
        var input = PipeReader.Create(stream);
        var writer = new RtmpChunkWriter();
        try
        {
            var c0c1 = new byte[1 + 1536];
            c0c1[0] = 3; // C0: plain RTMP; C1: zeros (the simple handshake)
            await output.WriteAsync(c0c1);
            var s0s1s2 = await ReadExactlyAsync(input, 1 + 1536 + 1536);
            await output.WriteAsync(s0s1s2.AsMemory(1, 1536)); // C2 echoes S1
            var chunkSize = new byte[4];
            new SetChunkSize(60_000).Write(chunkSize);
            writer.WriteMessage(output, 2, RtmpMessageType.SetChunkSize, 0, 0, chunkSize);
            writer.ChunkSize = 60_000;
            Command(writer, output, 0, "connect", 1.0, AmfValue.Object(AmfValue.Property("app", appAndKey[0]), AmfValue.Property("type", "nonprivate"),
                AmfValue.Property("flashVer", "FMLE/3.0 (compatible; OBS Studio/31.0.0)"), AmfValue.Property("tcUrl", $"rtmp://127.0.0.1/{appAndKey[0]}")));
            Command(writer, output, 0, "createStream", 2.0, AmfValue.Null);
            await output.FlushAsync(_stop.Token);
            var reader = new RtmpChunkReader();
            var streamId = await ResultOfCreateStreamAsync(input, reader);
            Command(writer, output, streamId, "publish", 3.0, AmfValue.Null, appAndKey[1], "live");
            await output.FlushAsync(_stop.Token);
            var drain = DrainAsync(input, reader); // acknowledgements and status until the server closes

            var others = clips.Skip(1).Select(c => c.Where(t => t.Type == 9).ToList()).ToList();
            var headers = new List<MultitrackVideoMessages.Track>();
            for (var track = 0; track < clips.Count; track++)
            {
                var header = clips[track].First(t => t.Type == 9 && t.Data[1] == 0);
                headers.Add(new MultitrackVideoMessages.Track((byte)track, MultitrackVideoMessages.Avc1, header.Data[5..]));
            }

            writer.WriteMessage(output, 6, RtmpMessageType.Video, streamId, 0, MultitrackVideoMessages.Build(true, 0, [.. headers]));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var videoIndex = 0;
            foreach (var tag in clips[0])
            {
                if (tag.Type == 9 && tag.Data[1] == 0)
                {
                    videoIndex++;
                    continue; // sent above
                }

                var wait = tag.Timestamp - clock.ElapsedMilliseconds;
                if (wait > 0)
                {
                    await output.FlushAsync(_stop.Token);
                    await Task.Delay(TimeSpan.FromMilliseconds(wait), _stop.Token);
                }

                if (drain.IsCompleted)
                {
                    break;
                }

                switch (tag.Type)
                {
                    case 8:
                        writer.WriteMessage(output, 4, RtmpMessageType.Audio, streamId, tag.Timestamp, tag.Data);
                        break;
                    case 9:
                        writer.WriteMessage(output, 6, RtmpMessageType.Video, streamId, tag.Timestamp, tag.Data);
                        for (var track = 0; track < others.Count; track++)
                        {
                            var other = others[track][Math.Min(videoIndex, others[track].Count - 1)];
                            var offset = (other.Data[2] << 24 | other.Data[3] << 16 | other.Data[4] << 8) >> 8;
                            writer.WriteMessage(output, 6, RtmpMessageType.Video, streamId, tag.Timestamp, MultitrackVideoMessages.Build(
                                other.Data[0] >> 4 == 1, 1, new MultitrackVideoMessages.Track((byte)(track + 1), MultitrackVideoMessages.Avc1, other.Data[5..], offset)));
                        }

                        videoIndex++;
                        break;
                }
            }

            await output.FlushAsync(_stop.Token);
            return drain.IsCompleted ? await drain : "the clips ended";
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return "closed: " + e.GetType().Name;
        }
    }

    private static void Command(RtmpChunkWriter writer, PipeWriter output, uint streamId, params AmfValue[] values)
    {
        var body = new ArrayBufferWriter<byte>();
        foreach (var value in values)
        {
            Amf0Writer.WriteValue(body, value);
        }

        writer.WriteMessage(output, 3, RtmpMessageType.CommandAmf0, streamId, 0, body.WrittenSpan);
    }

    private async Task<uint> ResultOfCreateStreamAsync(PipeReader input, RtmpChunkReader reader)
    {
        while (true)
        {
            var command = await NextCommandAsync(input, reader) ?? throw new IOException("the server closed before createStream's result");
            if (command[0].AsString == "_result" && command[1].AsNumber == 2.0)
            {
                return (uint)command[3].AsNumber!.Value;
            }
        }
    }

    private async Task<string> DrainAsync(PipeReader input, RtmpChunkReader reader)
    {
        try
        {
            while (await NextCommandAsync(input, reader) is not null)
            {
            }

            return "the server closed the connection";
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return "the server closed the connection";
        }
    }

    /// <summary>The next AMF0 command from the server, or null when it closed.</summary>
    private async Task<List<AmfValue>?> NextCommandAsync(PipeReader input, RtmpChunkReader reader)
    {
        while (true)
        {
            var result = await input.ReadAsync(_stop.Token);
            var buffer = result.Buffer;
            if (reader.TryReadMessage(ref buffer, out var message))
            {
                var values = message.Type == RtmpMessageType.CommandAmf0 ? Amf0Reader.ReadAll(message.Payload.ToArray()) : null;
                input.AdvanceTo(buffer.Start);
                if (values is not null)
                {
                    return values;
                }

                continue;
            }

            input.AdvanceTo(buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader input, int length)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            if (result.Buffer.Length >= length)
            {
                var bytes = result.Buffer.Slice(0, length).ToArray();
                input.AdvanceTo(result.Buffer.GetPosition(length));
                return bytes;
            }

            if (result.IsCompleted)
            {
                throw new IOException("the server closed during the handshake");
            }

            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>A clip for one track: 2 s fixed GOP, no B-frames, so every track's keyframes fall on the same frames.</summary>
    private static async Task<string> ClipAsync(int width, int height, int fps, int seconds, bool withAudio)
    {
        var path = Path.Combine(Path.GetTempPath(), "openivs-tests", $"track-{width}x{height}-{fps}-{seconds}-{(withAudio ? "av" : "v")}.flv");
        if (File.Exists(path))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + $".{Guid.NewGuid():N}.flv";
        var kbps = Math.Max(200, width * height / 400);
        var audio = withAudio ? "-f lavfi -i sine=frequency=1000:sample_rate=48000 -c:a aac -b:a 128k -ac 2 " : "-an ";
        var (code, error) = await Ffmpeg.RunAsync(
            $"-hide_banner -loglevel error -y -f lavfi -i testsrc2=size={width}x{height}:rate={fps} {audio}" +
            $"-c:v libx264 -preset veryfast -profile:v main -pix_fmt yuv420p -bf 0 -b:v {kbps}k -maxrate {kbps}k -bufsize {kbps}k " +
            $"-g {fps * 2} -keyint_min {fps * 2} -sc_threshold 0 -t {seconds} -f flv {temp}");
        Assert.True(code == 0, "ffmpeg could not make a track clip: " + error);
        File.Move(temp, path, overwrite: true);
        return path;
    }

    private readonly record struct Tag(byte Type, uint Timestamp, byte[] Data);

    /// <summary>The tags of an FLV file (read here, not with the library under test).</summary>
    private static List<Tag> ReadTags(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var tags = new List<Tag>();
        var at = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(5)) + 4;
        while (at + 11 <= bytes.Length)
        {
            var type = bytes[at];
            var size = bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3];
            var timestamp = (uint)(bytes[at + 7] << 24 | bytes[at + 4] << 16 | bytes[at + 5] << 8 | bytes[at + 6]);
            if (at + 11 + size > bytes.Length)
            {
                break;
            }

            if (type is 8 or 9 && size > 0)
            {
                tags.Add(new Tag(type, timestamp, bytes.AsSpan(at + 11, size).ToArray()));
            }

            at += 11 + size + 4;
        }

        return tags;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Dispose();
        await ((Task)Ended).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
