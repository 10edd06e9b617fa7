using System.Buffers;
using OpenIvs.Media.Flv;

namespace OpenIvs.Media.Tests.Testing;

/// <summary>Files under TestData/ (see TestData/make-fixtures.sh for how they were made).</summary>
public static class TestFiles
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "TestData", relative);

    public static byte[] Read(string relative) => File.ReadAllBytes(PathOf(relative));

    /// <summary>All tags of an FLV file, each with its body copied out.</summary>
    public static List<(FlvTagType Type, uint Timestamp, byte[] Data)> ReadFlvTags(string relative)
    {
        var buffer = new ReadOnlySequence<byte>(Read(relative));
        Assert.True(FlvFileReader.TryReadHeader(ref buffer, out _));
        var tags = new List<(FlvTagType, uint, byte[])>();
        while (FlvFileReader.TryReadTag(ref buffer, out var tag))
        {
            tags.Add((tag.Type, tag.Timestamp, tag.Data.ToArray()));
        }

        Assert.True(buffer.IsEmpty, "trailing bytes after the last FLV tag");
        return tags;
    }

    /// <summary>The body of the first box of a four-character type found in an MP4 file (a plain byte search).</summary>
    public static byte[] FindMp4Box(string relative, string type)
    {
        var data = Read(relative);
        var name = System.Text.Encoding.ASCII.GetBytes(type);
        var at = data.AsSpan().IndexOf(name);
        Assert.True(at >= 4, $"no {type} box in {relative}");
        var size = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(at - 4));
        return data.AsSpan(at + 4, size - 8).ToArray();
    }

    /// <summary>Saved fuzz inputs of a target.</summary>
    public static IEnumerable<object[]> FuzzInputs(string target) =>
        Directory.EnumerateFiles(PathOf(Path.Combine("Fuzz", target))).Order().Select(f => new object[] { Path.GetFileName(f) });
}
