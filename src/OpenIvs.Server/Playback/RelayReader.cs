using System.Threading.Tasks.Sources;

namespace OpenIvs.Server.Playback;

/// <summary>
/// One viewer's place in a relayed body (<see cref="RelayEntry"/>) and its wait for the next bytes. The wait is
/// reusable (a <see cref="ManualResetValueTaskSourceCore{TResult}"/>) and is completed on the thread pool by the
/// reader itself as the work item, so a viewer following a body that arrives in many chunks allocates nothing per
/// chunk, and the fetch that wakes it never runs its code. Cancelled with the viewer's request.
/// </summary>
internal sealed class RelayReader : IValueTaskSource, IThreadPoolWorkItem, IDisposable
{
    private readonly CancellationToken _cancellation;
    private readonly CancellationTokenRegistration _registration;
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _pending; // 1 while a wait is armed and not yet completed: whoever takes it back to 0 completes it
    private volatile bool _cancelled;

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
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public void Dispose() => _registration.Dispose();

    private void Cancel()
    {
        _cancelled = true;
        if (Interlocked.Exchange(ref _pending, 0) == 1)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        if (_cancelled)
        {
            _core.SetException(new OperationCanceledException(_cancellation));
        }
        else
        {
            _core.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
