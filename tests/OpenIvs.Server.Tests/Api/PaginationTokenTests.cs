using System.Security.Cryptography;
using OpenIvs.Protocol.Model;
using OpenIvs.Server.Resources;

namespace OpenIvs.Server.Tests.Api;

/// <summary>The one pagination scheme on its own: keys, direction, ties, and what a token refuses.</summary>
public sealed class PaginationTokenTests
{
    private readonly PaginationTokens _tokens = new(RandomNumberGenerator.GetBytes(32));

    // Items sharing a position (the same start tick) are ordered by id.
    private static readonly PageKey[] Ascending = [new(1, "a"), new(5, "a"), new(5, "b"), new(5, "c"), new(9, "a")];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PagesVisitEveryItemOnceInEitherDirection(bool descending)
    {
        var ordered = descending ? Ascending.Reverse().ToArray() : Ascending;
        var seen = new List<PageKey>();
        string? token = null;
        do
        {
            var (items, next) = _tokens.Page("L", token, 2, ordered, k => k, k => k, descending: descending);
            seen.AddRange(items);
            token = next;
        }
        while (token is not null);

        Assert.Equal(ordered, seen);
    }

    [Fact]
    public void AnItemRemovedBetweenPagesMovesNoOther()
    {
        var (first, token) = _tokens.Page("L", null, 2, Ascending, k => k, k => k);
        var remaining = Ascending.Where(k => k != first[^1] && k != Ascending[2]).ToArray();

        var (second, _) = _tokens.Page("L", token, 10, remaining, k => k, k => k);

        Assert.Equal([new(5, "c"), new(9, "a")], second);
    }

    [Fact]
    public void TokensAreBoundToTheirListingAndKey()
    {
        var token = _tokens.Create("ListStreams|", new PageKey(42, "st-abc"));

        Assert.Equal(new PageKey(42, "st-abc"), _tokens.Read("ListStreams|", token));
        Assert.Throws<ValidationException>(() => _tokens.Read("ListStreams|HEALTHY", token));
        Assert.Throws<ValidationException>(() => new PaginationTokens(RandomNumberGenerator.GetBytes(32)).Read("ListStreams|", token));
        Assert.Throws<ValidationException>(() => _tokens.Read("ListStreams|", token[..^1]));
        Assert.Throws<ValidationException>(() => _tokens.Read("ListStreams|", new string('A', 200)));
        Assert.Null(_tokens.Read("ListStreams|", null));
    }

    [Fact]
    public void AKeyKeepsItsIdExactly()
    {
        var key = new PageKey(long.MinValue, new string('z', 64));

        Assert.Equal(key, _tokens.Read("L", _tokens.Create("L", key)));
        Assert.Throws<ArgumentException>(() => _tokens.Create("L", new PageKey(1, new string('z', 65))));
    }
}
