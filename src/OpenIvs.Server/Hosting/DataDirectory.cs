namespace OpenIvs.Server.Hosting;

/// <summary>
/// The data directory holds the database (stream keys, sealed secrets), the master key, the root credentials and
/// the RTMPS certificate: it is created owner-only (0700), and an existing one, with the files OpenIVS keeps in
/// it, is made owner-only again at every start (<c>serve</c> and <c>admin</c>).
/// </summary>
public static class DataDirectory
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The files OpenIVS writes into the data directory.</summary>
    public static readonly string[] Files =
        ["openivs.db", "openivs.db-wal", "openivs.db-shm", "openivs.db-journal", "credentials", "master.key", "rtmps.pfx"];

    public static void Prepare(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }

        try
        {
            File.SetUnixFileMode(path, OwnerOnlyDirectory);
            foreach (var name in Files)
            {
                var file = Path.Combine(path, name);
                if (File.Exists(file) && (File.GetUnixFileMode(file) & ~OwnerOnlyFile) != 0)
                {
                    File.SetUnixFileMode(file, OwnerOnlyFile);
                }
            }
        }
        catch (UnauthorizedAccessException)
        {
            // Owned by another user (a directory the operator prepared): its owner decides.
        }
    }
}
