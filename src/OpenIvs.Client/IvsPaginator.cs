using System.Runtime.CompilerServices;

namespace OpenIvs.Client;

/// <summary>
/// A paginated listing: <see cref="Pages"/> yields each response, <see cref="Items"/> each listed item, both
/// following the pagination token until the service sends none. Each enumeration lists from the start
/// again; cancel with <c>WithCancellation(token)</c>.
/// </summary>
/// <typeparam name="TPage">The operation's response.</typeparam>
/// <typeparam name="TItem">The item the responses list.</typeparam>
/// <example>
/// <code>
/// await foreach (var channel in ivs.PaginateListChannels(new ListChannelsRequest { MaxResults = 50 }).Items)
/// {
///     Console.WriteLine(channel.Arn);
/// }
/// </code>
/// </example>
public sealed class IvsPaginator<TPage, TItem>
    where TPage : class
{
    private readonly string? _firstToken;
    private readonly Func<string?, CancellationToken, Task<TPage>> _fetch;
    private readonly Func<TPage, string?> _nextToken;
    private readonly Func<TPage, IEnumerable<TItem>?> _items;

    internal IvsPaginator(
        string? firstToken, Func<string?, CancellationToken, Task<TPage>> fetch, Func<TPage, string?> nextToken, Func<TPage, IEnumerable<TItem>?> items)
    {
        _firstToken = firstToken;
        _fetch = fetch;
        _nextToken = nextToken;
        _items = items;
    }

    /// <summary>Every response, first to last.</summary>
    public IAsyncEnumerable<TPage> Pages => EnumeratePagesAsync();

    /// <summary>Every listed item of every response, in order.</summary>
    public IAsyncEnumerable<TItem> Items => EnumerateItemsAsync();

    private async IAsyncEnumerable<TPage> EnumeratePagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var token = _firstToken;
        while (true)
        {
            var page = await _fetch(token, cancellationToken).ConfigureAwait(false);
            yield return page;
            var next = _nextToken(page);
            if (string.IsNullOrEmpty(next))
            {
                yield break;
            }

            if (next == token)
            {
                throw new InvalidOperationException("The service answered with the pagination token it was sent; stopping to avoid an endless listing.");
            }

            token = next;
        }
    }

    private async IAsyncEnumerable<TItem> EnumerateItemsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in EnumeratePagesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_items(page) is not { } items)
            {
                continue;
            }

            foreach (var item in items)
            {
                yield return item;
            }
        }
    }
}
