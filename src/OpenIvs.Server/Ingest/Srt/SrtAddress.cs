using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace OpenIvs.Server.Ingest.Srt;

/// <summary>Linux <c>sockaddr_in</c>/<c>sockaddr_in6</c> for libsrt's bind and getsockname.</summary>
internal static class SrtAddress
{
    private const ushort FamilyInet = 2;
    private const ushort FamilyInet6 = 10;

    /// <summary>Writes the socket address; returns its length (16 or 28 bytes).</summary>
    public static int Write(IPEndPoint endPoint, Span<byte> destination)
    {
        destination.Clear();
        var v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        BinaryPrimitives.WriteUInt16LittleEndian(destination, v6 ? FamilyInet6 : FamilyInet); // sa_family_t, host order
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
        if (!v6)
        {
            endPoint.Address.TryWriteBytes(destination[4..8], out _);
            return 16;
        }

        endPoint.Address.TryWriteBytes(destination[8..24], out _);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)endPoint.Address.ScopeId);
        return 28;
    }

    public static IPEndPoint Read(ReadOnlySpan<byte> address)
    {
        var port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return BinaryPrimitives.ReadUInt16LittleEndian(address) == FamilyInet6 && address.Length >= 24
            ? new IPEndPoint(new IPAddress(address[8..24]), port)
            : new IPEndPoint(new IPAddress(address[4..8]), port);
    }
}
