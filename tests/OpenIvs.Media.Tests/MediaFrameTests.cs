using System.Buffers;
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

    [Fact]
    public void AFrameNobodySharedIsRefilledByItsCreator()
    {
        var first = MediaFrame.Create(MediaKind.Audio, new byte[] { 1, 2, 3 }, timestamp: 40, compositionOffset: 0, isKeyframe: true);
        Assert.False(first.Reclaimable); // its creator still holds it
        first.Release();
        Assert.True(first.Reclaimable);

        var second = MediaFrame.Create(MediaKind.Video, new ReadOnlySequence<byte>(new byte[] { 9, 8 }), 80, 33, isKeyframe: false, reuse: first);

        Assert.Same(first, second);
        Assert.Equal((MediaKind.Video, 80L, 33, false, 2), (second.Kind, second.Timestamp, second.CompositionOffset, second.IsKeyframe, second.Length));
        Assert.Equal(new byte[] { 9, 8 }, second.Payload.ToArray());
        Assert.False(second.Reclaimable);
        second.Release();
        Assert.Throws<ObjectDisposedException>(() => second.Payload);
    }

    [Fact]
    public void AFrameEverSharedOrStillHeldIsNeverRefilled()
    {
        var shared = MediaFrame.Create(MediaKind.Audio, new byte[] { 1 }, 0, 0, isKeyframe: true);
        shared.Retain().Release(); // a reader took it and let it go: it may still look at the object
        shared.Release();
        Assert.False(shared.Reclaimable);
        var next = MediaFrame.Create(MediaKind.Audio, new ReadOnlySequence<byte>(new byte[] { 2 }), 20, 0, isKeyframe: true, reuse: shared);
        Assert.NotSame(shared, next);

        var held = MediaFrame.Create(MediaKind.Audio, new byte[] { 3 }, 0, 0, isKeyframe: true);
        var other = MediaFrame.Create(MediaKind.Audio, new ReadOnlySequence<byte>(new byte[] { 4 }), 20, 0, isKeyframe: true, reuse: held);
        Assert.NotSame(held, other);
        Assert.Equal(new byte[] { 3 }, held.Payload.ToArray());
    }
}
