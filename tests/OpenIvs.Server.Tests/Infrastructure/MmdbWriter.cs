using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenIvs.Server.Tests.Infrastructure;

/// <summary>
/// Writes small MaxMind DB files (format 2.0, maxmind.github.io/MaxMind-DB) for tests: an IPv6 search tree with
/// 24-bit records (IPv4 networks at <c>::a.b.c.d</c>, where readers look them up), GeoIP2-style records
/// (<c>{"country":{"iso_code":..}}</c>) and the metadata map. Written here so the tests never depend on a
/// downloaded database; real databases are far larger but have the same layout.
/// </summary>
public sealed class MmdbWriter
{
    private readonly Node _root = new();
    private readonly List<(Node Node, int Bit, object Value)> _leaves = [];

    /// <summary>The metadata's database_type (readers check it: GeoIP2's Country() wants "Country" in it).</summary>
    public string DatabaseType { get; init; } = "GeoLite2-Country";

    /// <summary>Maps <paramref name="network"/> (e.g. <c>127.0.0.0/8</c>, <c>2001:db8::/32</c>) to a record; networks must not overlap.</summary>
    public MmdbWriter Add(string network, object record)
    {
        var parsed = IPNetwork.Parse(network);
        var bytes = new byte[16];
        var prefix = parsed.PrefixLength;
        if (parsed.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
        {
            parsed.BaseAddress.GetAddressBytes().CopyTo(bytes, 12); // ::a.b.c.d
            prefix += 96;
        }
        else
        {
            parsed.BaseAddress.GetAddressBytes().CopyTo(bytes, 0);
        }

        if (prefix == 0)
        {
            throw new ArgumentException("a network of the whole address space is not supported", nameof(network));
        }

        var node = _root;
        for (var i = 0; i < prefix - 1; i++)
        {
            var bit = Bit(bytes, i);
            node = node.Children[bit] ??= new Node();
        }

        var last = Bit(bytes, prefix - 1);
        _leaves.RemoveAll(leaf => leaf.Node == node && leaf.Bit == last);
        _leaves.Add((node, last, record));
        return this;
    }

    /// <summary>A GeoIP2 country record for <paramref name="isoCode"/>.</summary>
    public static Dictionary<string, object> Country(string isoCode) => new()
    {
        ["country"] = new Dictionary<string, object> { ["iso_code"] = isoCode, ["names"] = new Dictionary<string, object> { ["en"] = isoCode } },
    };

    public void Write(string path) => File.WriteAllBytes(path, ToArray());

    public byte[] ToArray()
    {
        // Number the nodes breadth first (the root is node 0), then encode each leaf's record into the data section.
        var nodes = new List<Node> { _root };
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var child in nodes[i].Children)
            {
                if (child is not null)
                {
                    child.Number = nodes.Count;
                    nodes.Add(child);
                }
            }
        }

        var data = new MemoryStream();
        var records = new Dictionary<(Node, int), int>();
        foreach (var (node, bit, value) in _leaves)
        {
            records[(node, bit)] = (int)data.Length;
            Encode(data, value);
        }

        var nodeCount = nodes.Count;
        var tree = new byte[nodeCount * 6];
        for (var i = 0; i < nodeCount; i++)
        {
            for (var bit = 0; bit < 2; bit++)
            {
                // A child node by number; data as node count + 16 + its offset in the data section; nothing as the node count.
                var value = nodes[i].Children[bit] is { } child
                    ? child.Number
                    : records.TryGetValue((nodes[i], bit), out var offset) ? nodeCount + 16 + offset : nodeCount;
                var at = i * 6 + bit * 3;
                tree[at] = (byte)(value >> 16);
                tree[at + 1] = (byte)(value >> 8);
                tree[at + 2] = (byte)value;
            }
        }

        var file = new MemoryStream();
        file.Write(tree);
        file.Write(new byte[16]); // the data section separator
        data.WriteTo(file);
        file.Write([0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8]);
        Encode(file, new Dictionary<string, object>
        {
            ["node_count"] = (uint)nodeCount,
            ["record_size"] = (ushort)24,
            ["ip_version"] = (ushort)6,
            ["database_type"] = DatabaseType,
            ["languages"] = new object[] { "en" },
            ["binary_format_major_version"] = (ushort)2,
            ["binary_format_minor_version"] = (ushort)0,
            ["build_epoch"] = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["description"] = new Dictionary<string, object> { ["en"] = "OpenIVS test database" },
        });
        return file.ToArray();
    }

    private static int Bit(byte[] address, int index) => (address[index / 8] >> (7 - index % 8)) & 1;

    // Data section types (spec "Output Data Section"): 2 string, 5 uint16, 6 uint32, 7 map, 9 uint64 and 11 array (extended).
    private static void Encode(Stream output, object value)
    {
        switch (value)
        {
            case string text:
                var bytes = Encoding.UTF8.GetBytes(text);
                Control(output, 2, bytes.Length);
                output.Write(bytes);
                break;
            case ushort number:
                Unsigned(output, 5, number);
                break;
            case uint number:
                Unsigned(output, 6, number);
                break;
            case ulong number:
                Unsigned(output, 9, number);
                break;
            case IDictionary<string, object> map:
                Control(output, 7, map.Count);
                foreach (var (key, item) in map)
                {
                    Encode(output, key);
                    Encode(output, item);
                }

                break;
            case object[] array:
                Control(output, 11, array.Length);
                foreach (var item in array)
                {
                    Encode(output, item);
                }

                break;
            default:
                throw new ArgumentException($"cannot encode {value.GetType()}", nameof(value));
        }
    }

    private static void Unsigned(Stream output, int type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var first = bytes.IndexOfAnyExcept((byte)0);
        var significant = first < 0 ? [] : bytes[first..]; // big-endian, without leading zeros (0 is no bytes at all)
        Control(output, type, significant.Length);
        output.Write(significant);
    }

    private static void Control(Stream output, int type, int size)
    {
        // The type in the top 3 bits (0 = extended: the type - 7 follows); sizes of 29 and more in following bytes.
        var sizeBits = size < 29 ? size : size < 285 ? 29 : size < 65_821 ? 30 : 31;
        output.WriteByte((byte)(((type <= 7 ? type : 0) << 5) | sizeBits));
        if (type > 7)
        {
            output.WriteByte((byte)(type - 7));
        }

        if (sizeBits == 29)
        {
            output.WriteByte((byte)(size - 29));
        }
        else if (sizeBits == 30)
        {
            var rest = size - 285;
            output.WriteByte((byte)(rest >> 8));
            output.WriteByte((byte)rest);
        }
        else if (sizeBits == 31)
        {
            var rest = size - 65_821;
            output.WriteByte((byte)(rest >> 16));
            output.WriteByte((byte)(rest >> 8));
            output.WriteByte((byte)rest);
        }
    }

    private sealed class Node
    {
        public Node?[] Children { get; } = new Node?[2];

        public int Number { get; set; }
    }
}
