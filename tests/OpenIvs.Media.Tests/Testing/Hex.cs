namespace OpenIvs.Media.Tests.Testing;

public static class Hex
{
    /// <summary>Bytes from hex with any whitespace, e.g. <c>"03 00 00 10"</c>.</summary>
    public static byte[] Bytes(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Fill(int length, int seed = 1) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed)).ToArray();
}
