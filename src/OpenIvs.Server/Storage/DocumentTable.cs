using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OpenIvs.Server.Storage;

/// <summary>The in-memory side of one document kind; see <see cref="DocumentTable{T}"/>.</summary>
public interface IDocumentTable
{
    string Kind { get; }

    long MaxSequence { get; }

    void Load(StoredDocument document);

    /// <summary>Removes a document (deleted by another node); nothing when it is not there.</summary>
    void Remove(string id);

    /// <summary>Replaces every entry with <paramref name="documents"/>.</summary>
    void ReplaceAll(IReadOnlyList<StoredDocument> documents);
}

/// <summary>
/// All documents of one kind, in memory: lookups by id, and iteration in creation order (the order of
/// pagination). Values are immutable once stored; updates replace them. Readers take no lock; the
/// single writer (<see cref="DocumentWrite"/>) swaps entries in after the durable commit.
/// </summary>
public sealed class DocumentTable<T> : IDocumentTable
    where T : class
{
    private readonly ConcurrentDictionary<string, DocumentEntry<T>> _byId = new(StringComparer.Ordinal);
    private readonly Func<T, string?>? _uniqueKey;
    private readonly ConcurrentDictionary<string, DocumentEntry<T>>? _byUniqueKey;
    private DocumentEntry<T>[] _ordered = [];

    /// <param name="kind">The stored kind.</param>
    /// <param name="typeInfo">How values are serialized.</param>
    /// <param name="uniqueKey">
    /// An optional second key that is unique across the table (for example a stream key's value), kept in an
    /// index so a lookup by it costs a hash, not a scan.
    /// </param>
    public DocumentTable(string kind, JsonTypeInfo<T> typeInfo, Func<T, string?>? uniqueKey = null)
    {
        Kind = kind;
        TypeInfo = typeInfo;
        _uniqueKey = uniqueKey;
        _byUniqueKey = uniqueKey is null ? null : new(StringComparer.Ordinal);
    }

    public string Kind { get; }

    public JsonTypeInfo<T> TypeInfo { get; }

    /// <summary>Applied to every document written and loaded (set before loading); none by default.</summary>
    public IDocumentCodec<T>? Codec { get; set; }

    public int Count => _byId.Count;

    public long MaxSequence { get; private set; }

    /// <summary>A snapshot of the entries in creation order.</summary>
    public ReadOnlySpan<DocumentEntry<T>> Ordered => Volatile.Read(ref _ordered);

    public IEnumerable<T> Values => Volatile.Read(ref _ordered).Select(e => e.Value);

    public bool TryGet(string id, [MaybeNullWhen(false)] out T value)
    {
        if (_byId.TryGetValue(id, out var entry))
        {
            value = entry.Value;
            return true;
        }

        value = null;
        return false;
    }

    public bool TryGetEntry(string id, [MaybeNullWhen(false)] out DocumentEntry<T> entry) => _byId.TryGetValue(id, out entry);

    /// <summary>Looks a value up by the table's unique key (see the constructor).</summary>
    public bool TryGetByUniqueKey(string key, [MaybeNullWhen(false)] out T value)
    {
        if (_byUniqueKey is null)
        {
            throw new InvalidOperationException($"The {Kind} table has no unique key.");
        }

        if (_byUniqueKey.TryGetValue(key, out var entry))
        {
            value = entry.Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>The index of the first entry created after <paramref name="sequence"/>.</summary>
    public static int IndexAfter(ReadOnlySpan<DocumentEntry<T>> ordered, long sequence)
    {
        int low = 0, high = ordered.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (ordered[mid].Sequence <= sequence)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    void IDocumentTable.Load(StoredDocument document)
    {
        Apply(document.Id, document.Sequence, Deserialize(document));
    }

    void IDocumentTable.Remove(string id) => Apply(id, 0, null);

    void IDocumentTable.ReplaceAll(IReadOnlyList<StoredDocument> documents)
    {
        var entries = documents
            .Select(d => new DocumentEntry<T>(d.Id, d.Sequence, Deserialize(d)))
            .OrderBy(e => e.Sequence)
            .ToArray();
        foreach (var id in _byId.Keys.Except(entries.Select(e => e.Id)).ToList())
        {
            _byId.TryRemove(id, out _);
        }

        foreach (var entry in entries)
        {
            _byId[entry.Id] = entry;
        }

        if (_byUniqueKey is not null)
        {
            _byUniqueKey.Clear();
            foreach (var entry in entries)
            {
                IndexUniqueKey(entry);
            }
        }

        Volatile.Write(ref _ordered, entries);
        MaxSequence = entries.Length == 0 ? 0 : Math.Max(MaxSequence, entries[^1].Sequence);
    }

    internal string Serialize(T value) => JsonSerializer.Serialize(Codec is null ? value : Codec.ToStored(value), TypeInfo);

    private T Deserialize(StoredDocument document)
    {
        var value = JsonSerializer.Deserialize(document.Body, TypeInfo) ?? throw new InvalidDataException($"Stored {Kind} {document.Id} is empty.");
        return Codec is null ? value : Codec.FromStored(value);
    }

    /// <summary>Applies a committed change. Called by the single writer only.</summary>
    internal void Apply(string id, long sequence, T? value)
    {
        var ordered = _ordered;
        if (value is null)
        {
            if (_byId.TryRemove(id, out var removed))
            {
                UnindexUniqueKey(removed);
                var index = IndexOf(ordered, removed.Sequence);
                Volatile.Write(ref _ordered, [.. ordered[..index], .. ordered[(index + 1)..]]);
            }

            return;
        }

        if (_byId.TryGetValue(id, out var existing))
        {
            // A replacement keeps its place in creation order.
            var entry = new DocumentEntry<T>(id, existing.Sequence, value);
            _byId[id] = entry;
            UnindexUniqueKey(existing);
            IndexUniqueKey(entry);
            var index = IndexOf(ordered, existing.Sequence);
            var copy = (DocumentEntry<T>[])ordered.Clone();
            copy[index] = entry;
            Volatile.Write(ref _ordered, copy);
        }
        else
        {
            var entry = new DocumentEntry<T>(id, sequence, value);
            _byId[id] = entry;
            IndexUniqueKey(entry);
            var position = IndexAfter(ordered, sequence);
            Volatile.Write(ref _ordered, [.. ordered[..position], entry, .. ordered[position..]]);
            MaxSequence = Math.Max(MaxSequence, sequence);
        }
    }

    private void IndexUniqueKey(DocumentEntry<T> entry)
    {
        if (_byUniqueKey is not null && _uniqueKey!(entry.Value) is { } key)
        {
            _byUniqueKey[key] = entry;
        }
    }

    private void UnindexUniqueKey(DocumentEntry<T> entry)
    {
        if (_byUniqueKey is not null && _uniqueKey!(entry.Value) is { } key)
        {
            _byUniqueKey.TryRemove(new KeyValuePair<string, DocumentEntry<T>>(key, entry));
        }
    }

    private static int IndexOf(DocumentEntry<T>[] ordered, long sequence)
    {
        var index = IndexAfter(ordered, sequence) - 1;
        return index >= 0 && ordered[index].Sequence == sequence
            ? index
            : throw new InvalidOperationException("Document index out of step with its table.");
    }
}

/// <summary>A stored value with its id and creation sequence.</summary>
public sealed record DocumentEntry<T>(string Id, long Sequence, T Value);
