using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OpenIvs.Server.Ingest.Srt;

/// <summary>
/// The parts of libsrt's C API (Haivision SRT 1.5, <c>srt/srt.h</c>) the SRT listener uses, bound with
/// <see cref="LibraryImportAttribute"/>. Debian's <c>libsrt1.5-openssl</c> installs the library as
/// <c>libsrt.so.1.5</c>; <see cref="EnsureLoaded"/> turns its absence into an error that names the package.
/// </summary>
internal static unsafe partial class SrtNative
{
    public const string Library = "libsrt.so.1.5";

    public const string Package = "libsrt1.5-openssl";

    public const int Error = -1;

    public const int InvalidSocket = -1;

    /// <summary>Live mode: message API, TSBPD, too-late packet drop (SRT_TRANSTYPE SRTT_LIVE).</summary>
    public const int TransTypeLive = 0;

    /// <summary>SRT_KM_STATE: the connection is encrypted and the keys agree.</summary>
    public const int KmStateSecured = 2;

    /// <summary>User rejection codes (SRT_REJC_USERDEFINED + HTTP-like status, rejection-codes.md).</summary>
    public const int RejectUnauthorized = 1401;

    public const int RejectForbidden = 1403;

    public const int RejectConflict = 1409;

    public const int RejectUnavailable = 1503;

    /// <summary>LOG_ERR (syslog level): libsrt reports errors and worse.</summary>
    private const int LogLevelError = 3;

    /// <summary>SRT_LOGF_DISABLE_TIME | _THREADNAME | _SEVERITY | _EOL: the bare message, the logger adds the rest.</summary>
    private const int LogFlagsBare = 1 | 2 | 4 | 8;

    private static readonly Lock s_startLock = new();
    private static bool s_started;
    private static ILogger? s_libraryLogger;

    /// <summary>
    /// Loads libsrt and calls <c>srt_startup</c> once per process (never cleaned up: other servers in the process may
    /// use it); libsrt's own log lines go to <paramref name="logger"/> instead of stderr.
    /// </summary>
    public static void EnsureLoaded(ILogger logger)
    {
        lock (s_startLock)
        {
            s_libraryLogger = logger; // the latest listener's (libsrt has one handler per process)
            if (s_started)
            {
                return;
            }

            if (!NativeLibrary.TryLoad(Library, typeof(SrtNative).Assembly, DllImportSearchPath.SafeDirectories, out _))
            {
                throw new InvalidOperationException(
                    $"SRT ingest needs libsrt 1.5 ({Library}), which was not found. Install it (Debian/Ubuntu: apt-get install {Package}), " +
                    "or turn the SRT listener off with --srt off.");
            }

            if (srt_startup() < 0)
            {
                throw new InvalidOperationException("libsrt failed to start: " + LastError());
            }

            srt_setloglevel(LogLevelError);
            srt_setlogflags(LogFlagsBare);
            srt_setloghandler(0, &OnLibraryLog);
            s_started = true;
        }
    }

    /// <summary>libsrt's log handler (any of its threads). Its "errors" are mostly a peer's doing (a bad passphrase, a broken link).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLibraryLog(nint opaque, int level, byte* file, int line, byte* area, byte* message)
    {
        try
        {
            if (s_libraryLogger is { } logger && message is not null)
            {
                LogLibrary(logger, level <= 2 ? LogLevel.Error : LogLevel.Information, (Marshal.PtrToStringUTF8((nint)message) ?? string.Empty).TrimStart(':', ' ').TrimEnd());
            }
        }
        catch (Exception)
        {
            // never let an exception cross into libsrt
        }
    }

    [LoggerMessage(EventId = 429, Message = "libsrt: {Message}")]
    private static partial void LogLibrary(ILogger logger, LogLevel level, string message);

    /// <summary>The calling thread's last libsrt error, as text.</summary>
    public static string LastError() => Marshal.PtrToStringUTF8(srt_getlasterror_str()) ?? "unknown SRT error";

    [LibraryImport(Library)]
    public static partial int srt_startup();

    [LibraryImport(Library)]
    public static partial int srt_create_socket();

    [LibraryImport(Library)]
    public static partial int srt_bind(int socket, byte* name, int nameLength);

    [LibraryImport(Library)]
    public static partial int srt_listen(int socket, int backlog);

    [LibraryImport(Library)]
    public static partial int srt_listen_callback(
        int socket, delegate* unmanaged[Cdecl]<nint, int, int, byte*, byte*, int> hook, nint opaque);

    [LibraryImport(Library)]
    public static partial int srt_accept(int socket, byte* address, int* addressLength);

    [LibraryImport(Library)]
    public static partial int srt_setsockflag(int socket, SrtOption option, void* value, int length);

    [LibraryImport(Library)]
    public static partial int srt_getsockflag(int socket, SrtOption option, void* value, int* length);

    [LibraryImport(Library)]
    public static partial int srt_getsockname(int socket, byte* name, int* nameLength);

    [LibraryImport(Library)]
    public static partial int srt_recvmsg(int socket, byte* buffer, int length);

    [LibraryImport(Library)]
    public static partial int srt_close(int socket);

    [LibraryImport(Library)]
    public static partial int srt_setrejectreason(int socket, int reason);

    [LibraryImport(Library)]
    public static partial nint srt_getlasterror_str();

    [LibraryImport(Library)]
    private static partial void srt_setloglevel(int level);

    [LibraryImport(Library)]
    private static partial void srt_setlogflags(int flags);

    [LibraryImport(Library)]
    private static partial void srt_setloghandler(nint opaque, delegate* unmanaged[Cdecl]<nint, int, byte*, int, byte*, byte*, void> handler);

    /// <summary>Sets a 32-bit integer (or boolean) option; false with <see cref="LastError"/> on failure.</summary>
    public static bool SetInt(int socket, SrtOption option, int value) => srt_setsockflag(socket, option, &value, sizeof(int)) == 0;

    /// <summary>Sets a string option (SRTO_PASSPHRASE, SRTO_STREAMID) from its UTF-8 bytes.</summary>
    public static bool SetBytes(int socket, SrtOption option, ReadOnlySpan<byte> value)
    {
        fixed (byte* pointer = value)
        {
            return srt_setsockflag(socket, option, pointer, value.Length) == 0;
        }
    }

    public static int GetInt(int socket, SrtOption option)
    {
        int value = 0, length = sizeof(int);
        return srt_getsockflag(socket, option, &value, &length) == 0 ? value : -1;
    }

    /// <summary>Reads a string option into <paramref name="destination"/>; returns its length, or -1.</summary>
    public static int GetBytes(int socket, SrtOption option, Span<byte> destination)
    {
        var length = destination.Length;
        fixed (byte* pointer = destination)
        {
            return srt_getsockflag(socket, option, pointer, &length) == 0 ? length : -1;
        }
    }

    [SkipLocalsInit]
    public static int Receive(int socket, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return srt_recvmsg(socket, pointer, buffer.Length);
        }
    }
}
