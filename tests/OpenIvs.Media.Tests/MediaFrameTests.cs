using OpenIvs.Media.Frames;

namespace OpenIvs.Media.Tests;

public class MediaFrameTests
{
    [Fact]
    public void PayloadIsCopiedAndReleasedAfterLastReference()
    {
        var frame = MediaFrame.Create(MediaKind.Audio, new byte[] { 1, 2, 3 }, timestamp: 40, compositionOffset: 0, isKeyframe: true);
        frame.Retain();

        frame.Release();
        Assert.Equal(new byte[] { 1, 2, 3 }, frame.Payload.ToArray());

        frame.Release();
        Assert.Throws<ObjectDisposedException>(() => frame.Payload);
        Assert.Throws<InvalidOperationException>(frame.Release);
    }
}
