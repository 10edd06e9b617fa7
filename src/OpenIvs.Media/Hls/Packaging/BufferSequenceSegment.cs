using System.Buffers;

namespace OpenIvs.Media.Hls.Packaging;

/// <summary>
/// Links the parts of a segment into a <see cref="ReadOnlySequence{T}"/> without copying. <c>Next</c> is set
/// once, when the following part is appended; a sequence handed out earlier ends at its own end node and
/// never looks past it.
/// </summary>
internal sealed class BufferSequenceSegment : ReadOnlySequenceSegment<byte>
{
    public BufferSequenceSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public void Link(BufferSequenceSegment next) => Next = next;
}
