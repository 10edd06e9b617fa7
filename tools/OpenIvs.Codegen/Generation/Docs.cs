using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace OpenIvs.Codegen.Generation;

/// <summary>Turns the model's HTML documentation into XML documentation comment lines.</summary>
public static partial class Docs
{
    private const int Width = 110;

    /// <summary>Returns the lines of a <c>&lt;summary&gt;</c> element (without the <c>///</c> prefix).</summary>
    public static IReadOnlyList<string> Summary(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return [];
        }

        var paragraphs = ToParagraphs(html);
        var lines = new List<string> { "<summary>" };
        for (var i = 0; i < paragraphs.Count; i++)
        {
            var text = paragraphs[i];
            if (paragraphs.Count > 1)
            {
                text = $"<para>{text}</para>";
            }

            lines.AddRange(Wrap(text));
        }

        lines.Add("</summary>");
        return lines;
    }

    private static List<string> ToParagraphs(string html)
    {
        // Keep code spans and links, drop every other tag; paragraphs and list items become paragraphs.
        var text = html.Replace("\r", string.Empty, StringComparison.Ordinal);
        text = BlockBreak().Replace(text, "\n\n");
        var builder = new StringBuilder();
        var last = 0;
        foreach (Match tag in Tag().Matches(text))
        {
            builder.Append(Escape(WebUtility.HtmlDecode(text[last..tag.Index])));
            last = tag.Index + tag.Length;
            var name = tag.Groups["name"].Value.ToLowerInvariant();
            var closing = tag.Groups["close"].Success;
            if (name == "code")
            {
                builder.Append(closing ? "</c>" : "<c>");
            }
            else if (name == "a" && !closing && Href().Match(tag.Value) is { Success: true } href)
            {
                builder.Append("<see href=\"").Append(Escape(WebUtility.HtmlDecode(href.Groups[1].Value))).Append("\">");
            }
            else if (name == "a" && closing)
            {
                builder.Append("</see>");
            }
        }

        builder.Append(Escape(WebUtility.HtmlDecode(text[last..])));
        var result = new List<string>();
        foreach (var paragraph in builder.ToString().Split("\n\n"))
        {
            var collapsed = Whitespace().Replace(paragraph, " ").Trim();
            collapsed = collapsed.Replace("<c></c>", string.Empty, StringComparison.Ordinal);
            if (collapsed.Length > 0)
            {
                result.Add(Balance(collapsed));
            }
        }

        return result;
    }

    // An <a> without href leaves a stray </see>; unbalanced tags would break the XML comment.
    private static string Balance(string text)
    {
        foreach (var (open, close) in new[] { ("<see href=", "</see>"), ("<c>", "</c>") })
        {
            var opens = Regex.Matches(text, Regex.Escape(open)).Count;
            var closes = Regex.Matches(text, Regex.Escape(close)).Count;
            if (opens != closes)
            {
                text = text.Replace(close, string.Empty, StringComparison.Ordinal);
                text = Regex.Replace(text, Regex.Escape(open) + (open == "<c>" ? string.Empty : "\"[^\"]*\">"), string.Empty);
            }
        }

        return text;
    }

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    private static IEnumerable<string> Wrap(string text)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > Width)
            {
                yield return line.ToString();
                line.Clear();
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    [GeneratedRegex(@"</?(p|li|ul|ol|br|note|important)\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockBreak();

    [GeneratedRegex(@"<(?<close>/)?(?<name>[a-zA-Z][a-zA-Z0-9]*)[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex Href();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
