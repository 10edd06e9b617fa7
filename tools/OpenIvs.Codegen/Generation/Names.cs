using System.Text;

namespace OpenIvs.Codegen.Generation;

/// <summary>C# naming rules for shapes, members and enum values.</summary>
public static class Names
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit",
        "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int",
        "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out",
        "override", "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed",
        "short", "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try",
        "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary><c>channelArn</c> -> <c>ChannelArn</c>.</summary>
    public static string Property(string memberName) => char.ToUpperInvariant(memberName[0]) + memberName[1..];

    /// <summary><c>channelArn</c> -> <c>channelArn</c>, escaped when it is a keyword.</summary>
    public static string Local(string memberName)
    {
        var name = char.ToLowerInvariant(memberName[0]) + memberName[1..];
        return Keywords.Contains(name) ? "@" + name : name;
    }

    /// <summary><c>ADVANCED_SD</c> -> <c>AdvancedSd</c>; <c>FULL_HD</c> -> <c>FullHd</c>.</summary>
    public static string EnumMember(string value)
    {
        var builder = new StringBuilder();
        foreach (var word in value.Split(['_', '-', ' ', '.'], StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ToUpperInvariant(word[0]));
            builder.Append(word[1..].ToLowerInvariant());
        }

        var name = builder.ToString();
        return name.Length > 0 && char.IsDigit(name[0]) ? "Value" + name : name;
    }

    /// <summary>A C# string literal for <paramref name="value"/>.</summary>
    public static string Literal(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                case '\r': builder.Append(@"\r"); break;
                case '\t': builder.Append(@"\t"); break;
                default:
                    if (c < ' ' || c > '~')
                    {
                        builder.Append(@"\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
