using System.Security.Cryptography;
using System.Text;

namespace OpenIvs.Server.Storage;

/// <summary>
/// Encrypts stored secrets with AES-256-GCM under a master key kept in its own file
/// (<c>&lt;data-dir&gt;/master.key</c>, mode 0600, created on first use). The access key id is the
/// associated data, so a ciphertext cannot be moved to another key.
/// </summary>
public sealed class SecretBox
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    private SecretBox(byte[] key) => _key = key;

    public static SecretBox Open(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "master.key");
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length == 32 ? new SecretBox(key) : throw new InvalidDataException($"{path} does not hold a 256-bit key.");
        }

        var created = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(dataDirectory);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, options);
            stream.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(created) + "\n"));
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            return Open(dataDirectory); // another process created it first
        }

        return new SecretBox(created);
    }

    /// <summary>A 256-bit key for <paramref name="purpose"/> derived from the master key (HMAC-SHA256), the same on every node sharing it.</summary>
    public byte[] DeriveKey(string purpose) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("openivs/" + purpose));

    public string Seal(string secret, string associatedData)
    {
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(associatedData));
        CryptographicOperations.ZeroMemory(plaintext);
        return Convert.ToBase64String(output);
    }

    public string Unseal(string sealedSecret, string associatedData)
    {
        var input = Convert.FromBase64String(sealedSecret);
        var length = input.Length - NonceSize - TagSize;
        if (length < 0)
        {
            throw new CryptographicException("Sealed secret is too short.");
        }

        var plaintext = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plaintext, Encoding.UTF8.GetBytes(associatedData));
        return Encoding.UTF8.GetString(plaintext);
    }
}
