namespace OpenIvs.Server.Resources;

/// <summary>
/// Where an item sits in a listing, fixed for the item's life: a position (a creation sequence, or a start
/// time in ticks) and the item's id to order items that share a position. Every list operation orders by
/// this key, and a <c>nextToken</c> carries the key of the last item returned.
/// </summary>
public readonly record struct PageKey(long Position, string Id) : IComparable<PageKey>
{
    public int CompareTo(PageKey other)
    {
        var byPosition = Position.CompareTo(other.Position);
        return byPosition != 0 ? byPosition : string.CompareOrdinal(Id, other.Id);
    }
}
