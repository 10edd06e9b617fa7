using System.Buffers;
using System.Runtime.CompilerServices;

namespace OpenIvs.Media.Tests.Support;

/// <summary>An array pool that records every rent and return, and fails on a double or foreign return.</summary>
public sealed class TrackingArrayPool : ArrayPool<byte>
{
    private readonly object _gate = new();
    private readonly HashSet<byte[]> _outstanding = new(ReferenceEqualityComparer.Instance);

    public int Rented { get; private set; }

    public int Returned { get; private set; }

    public List<string> Errors { get; } = [];

    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _outstanding.Count;
            }
        }
    }

    public bool IsOutstanding(byte[] array)
    {
        lock (_gate)
        {
            return _outstanding.Contains(array);
        }
    }

    public override byte[] Rent(int minimumLength)
    {
        var array = new byte[Math.Max(minimumLength, 16)];
        lock (_gate)
        {
            _outstanding.Add(array);
            Rented++;
        }

        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        lock (_gate)
        {
            if (!_outstanding.Remove(array))
            {
                Errors.Add($"returned an array that is not outstanding (length {array.Length}, hash {RuntimeHelpers.GetHashCode(array)})");
                return;
            }

            Returned++;
        }
    }
}
