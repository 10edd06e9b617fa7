namespace OpenIvs.Server.Resources;

/// <summary>
/// Resource quotas, IVS's defaults (ivs-behavior.md section 9). Exceeding one is a
/// <c>ServiceQuotaExceededException</c>, as in IVS. Every quota must be at least 1.
/// </summary>
public sealed class QuotaOptions
{
    public int Channels { get; set; } = 5000;

    public int RecordingConfigurations { get; set; } = 20;

    public int PlaybackKeyPairs { get; set; } = 3;

    public int PlaybackRestrictionPolicies { get; set; } = 500;

    public int AdConfigurations { get; set; } = 100;

    /// <summary>Stream keys per channel (IVS: 1; rotate with DeleteStreamKey + CreateStreamKey).</summary>
    public int StreamKeysPerChannel { get; set; } = 1;

    public int TagsPerResource { get; set; } = 50;

    /// <summary>Live streams at the same time in the account.</summary>
    public int ConcurrentStreams { get; set; } = 100;

    public IEnumerable<string> Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(Channels), Channels), (nameof(RecordingConfigurations), RecordingConfigurations),
                     (nameof(PlaybackKeyPairs), PlaybackKeyPairs), (nameof(PlaybackRestrictionPolicies), PlaybackRestrictionPolicies),
                     (nameof(AdConfigurations), AdConfigurations), (nameof(StreamKeysPerChannel), StreamKeysPerChannel),
                     (nameof(TagsPerResource), TagsPerResource), (nameof(ConcurrentStreams), ConcurrentStreams),
                 })
        {
            if (value < 1)
            {
                yield return $"Quotas.{name} must be at least 1 (was {value}).";
            }
        }

        if (TagsPerResource > 50)
        {
            yield return "Quotas.TagsPerResource cannot exceed the model's limit of 50.";
        }
    }
}
