using OpenIvs.Media.Amf;

namespace OpenIvs.Media.Rtmp.Session;

/// <summary>
/// A publisher's request: the <c>connect</c> parameters and the <c>publish</c> stream name. The stream name is the
/// stream key, so <see cref="ToString"/> never shows it.
/// </summary>
public sealed class RtmpPublishRequest
{
    public RtmpPublishRequest(string app, string streamName, string publishType, string? tcUrl, string? flashVersion, AmfValue connectCommandObject)
    {
        App = app;
        StreamName = streamName;
        PublishType = publishType;
        TcUrl = tcUrl;
        FlashVersion = flashVersion;
        ConnectCommandObject = connectCommandObject;
    }

    /// <summary>The <c>app</c> of <c>connect</c> (for <c>rtmp://host/app/key</c> it is <c>app</c>).</summary>
    public string App { get; }

    /// <summary>The stream name of <c>publish</c>: the stream key (with any query string the client appended). Secret.</summary>
    public string StreamName { get; }

    /// <summary>The publishing type argument (<c>live</c>, <c>record</c>, <c>append</c>), empty when absent.</summary>
    public string PublishType { get; }

    public string? TcUrl { get; }

    /// <summary>The client's <c>flashVer</c> (e.g. <c>FMLE/3.0 (compatible; FMSc/1.0)</c>).</summary>
    public string? FlashVersion { get; }

    /// <summary>The whole <c>connect</c> command object.</summary>
    public AmfValue ConnectCommandObject { get; }

    /// <summary>Shows the app but never the stream name.</summary>
    public override string ToString() => $"RtmpPublishRequest {{ App = {App}, StreamName = <redacted>, PublishType = {PublishType} }}";
}
