using System.Buffers;
using System.IO.Pipelines;

namespace OpenIvs.Server.Hosting;

/// <summary>
/// A connection's output that, once <see cref="Reject"/> is called, drops what Kestrel writes (its own empty
/// answer to a request it refused) and sends the given response instead at the next flush or completion.
/// Until then every call goes straight to the transport.
/// </summary>
internal sealed class RejectedRequestOutput(PipeWriter inner) : PipeWriter
{
    private byte[]? _replacement;
    private bool _sent;
    private byte[] _discard = [];

    /// <summary>Replaces the answer Kestrel is about to write (called before it writes anything).</summary>
    public void Reject(byte[] response) => _replacement = response;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _replacement is null ? inner.GetMemory(sizeHint) : Discard(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _replacement is null ? inner.GetSpan(sizeHint) : Discard(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (_replacement is null)
        {
            inner.Advance(bytes);
        }
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        SendReplacement();
        return inner.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        if (SendReplacement())
        {
            _ = inner.FlushAsync().AsTask().ContinueWith(_ => inner.Complete(exception), TaskScheduler.Default);
            return;
        }

        inner.Complete(exception);
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (SendReplacement())
        {
            await inner.FlushAsync().ConfigureAwait(false);
        }

        await inner.CompleteAsync(exception).ConfigureAwait(false);
    }

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    private bool SendReplacement()
    {
        if (_replacement is not { } replacement || _sent)
        {
            return false;
        }

        _sent = true;
        inner.Write(replacement);
        return true;
    }

    private Memory<byte> Discard(int sizeHint)
    {
        if (_discard.Length < Math.Max(sizeHint, 4096))
        {
            _discard = new byte[Math.Max(sizeHint, 4096)];
        }

        return _discard;
    }
}
