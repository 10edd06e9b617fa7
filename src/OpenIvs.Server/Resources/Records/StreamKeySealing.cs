using OpenIvs.Server.Storage;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Auth.Iam;

namespace OpenIvs.Server.Resources.Records;

/// <summary>
/// Keeps stream key values encrypted at rest with the master key (<see cref="SecretBox"/>, the key's ARN as
/// associated data), as IAM secrets are. A key stored in clear by an older version loads as it is and is
/// counted in <see cref="PlainLoaded"/>, so start-up can seal it again.
/// </summary>
public sealed class StreamKeySealing(SecretBox secrets) : IDocumentCodec<StreamKeyRecord>
{
    private int _plainLoaded;

    public int PlainLoaded => Volatile.Read(ref _plainLoaded);

    public StreamKeyRecord ToStored(StreamKeyRecord value) => value.Key.Value is not { } secret
        ? value
        : new StreamKeyRecord { Key = WithValue(value.Key, null), ValueCiphertext = secrets.Seal(secret, value.Key.Arn ?? string.Empty) };

    public StreamKeyRecord FromStored(StreamKeyRecord value)
    {
        if (value.ValueCiphertext is not { } sealedValue)
        {
            if (value.Key.Value is not null)
            {
                Interlocked.Increment(ref _plainLoaded);
            }

            return value;
        }

        return new StreamKeyRecord { Key = WithValue(value.Key, secrets.Unseal(sealedValue, value.Key.Arn ?? string.Empty)) };
    }

    private static StreamKey WithValue(StreamKey key, string? value) =>
        new() { Arn = key.Arn, ChannelArn = key.ChannelArn, Tags = key.Tags, Value = value };
}
