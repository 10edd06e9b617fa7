using System.Globalization;

namespace OpenIvs.Protocol.Validation;

/// <summary>
/// The location of a value in a request, formatted only when a constraint fails:
/// <c>name</c>, <c>config.name</c>, <c>arns[3]</c>, <c>tags[env]</c>.
/// </summary>
public readonly record struct ValidationPath(string Parent, string Member, int Index = -1, string? Key = null)
{
    public static string Join(string parent, string member) => parent.Length == 0 ? member : parent + "." + member;

    public override string ToString()
    {
        var path = Join(Parent, Member);
        if (Index >= 0)
        {
            return path + "[" + Index.ToString(CultureInfo.InvariantCulture) + "]";
        }

        return Key is null ? path : path + "[" + Key + "]";
    }
}
