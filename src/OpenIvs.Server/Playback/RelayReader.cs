using System.Threading.Tasks.Sources;

namespace OpenIvs.Server.Playback;

/// <summary>
/// One viewer's place in a relayed body (<see cref="RelayEntry"/>) and its wait for the next bytes. The wait is
/// reusable (a <see cref="ManualResetValueTaskSourceCore{TResult}"/>), so a viewer following a body that arrives in
/// many chunks allocates nothing per chunk. Cancelled with the viewer's request.
/// </summary>
internal sealed class RelayReader : IValueTaskSource, IDisposable
{
    private readonly CancellationToken _cancellation;
    private readonly CancellationTokenRegistration _registration;
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _pending; // 1 while a wait is armed and not yet completed: whoever takes it back to 0 completes it

    public RelayReader(CancellationToken cancellation)
    {
        _cancellation = cancellation;
        _registration = cancellation.UnsafeRegister(static state => ((RelayReader)state!).Cancel(), this);
    }

    /// <summary>Bytes of the body this viewer has been given.</summary>
    public long Position { get; set; }

    /// <summary>The chunk holding <see cref="Position"/>, and where that chunk starts in the body.</summary>
    public int Chunk { get; set; }

    public long ChunkStart { get; set; }

    /// <summary>A wait to complete by <see cref="Wake"/> (or by the viewer going away); the entry holds it meanwhile.</summary>
    public ValueTask Arm()
    {
        _core.Reset();
        Volatile.Write(ref _pending, 1);
        if (_cancellation.IsCancellationRequested)
        {
            Cancel();
        }

        return new ValueTask(this, _core.Version);
    }

    public void Wake()
    {
        if (Interlocked.Exchange(ref _pending, 0) == 1)
        {
            _core.SetResult(true);
        }
    }

    public void Dispose() => _registration.Dispose();

    private void Cancel()
    {
        if (Interlocked.Exchange(ref _pending, 0) == 1)
        {
            _core.SetException(new OperationCanceledException(_cancellation));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
