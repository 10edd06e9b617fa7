using System.Security.Cryptography;
using CsCheck;

namespace OpenIvs.Media.Tests.Testing;

/// <summary>
/// Property-based fuzzing with CsCheck: every input may only succeed or throw one of the typed exceptions, within an
/// allocation bound. A failing input is saved under TestData/Fuzz/&lt;target&gt;/ in the source tree (and the test
/// fails), where the replay test picks it up from then on.
/// </summary>
public static class Fuzz
{
    /// <summary>Multiplies every fuzz test's iterations (environment variable <c>OPENIVS_FUZZ_SCALE</c>, default 1) for deeper runs.</summary>
    public static long Scale => long.TryParse(Environment.GetEnvironmentVariable("OPENIVS_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : 1;

    public static void Run(string target, Gen<byte[]> inputs, Action<byte[]> body, Func<Exception, bool> isExpected, Func<byte[], long> allocationBound, long iterations)
    {
        iterations *= Scale;
        inputs.Sample(input =>
        {
            var failure = Check(input, body, isExpected, allocationBound);
            if (failure is not null)
            {
                Save(target, input);
                Assert.Fail(failure);
            }
        }, iter: iterations, threads: 1, print: input => Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 256))));
    }

    /// <summary>Runs one input; returns a failure description or <c>null</c>.</summary>
    public static string? Check(byte[] input, Action<byte[]> body, Func<Exception, bool> isExpected, Func<byte[], long> allocationBound)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            body(input);
        }
        catch (Exception exception) when (isExpected(exception))
        {
        }
        catch (Exception exception)
        {
            return $"unexpected {exception.GetType().Name}: {exception.Message}";
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var bound = allocationBound(input);
        return allocated > bound ? $"allocated {allocated} bytes, bound {bound}" : null;
    }

    /// <summary>Flips, overwrites, drops or duplicates a few bytes of a valid input.</summary>
    public static Gen<byte[]> Mutations(Gen<byte[]> valid) =>
        from bytes in valid
        from edits in Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 6]
        select Mutate(bytes, edits);

    private static byte[] Mutate(byte[] bytes, (int Kind, int Position, byte Value)[] edits)
    {
        var list = bytes.ToList();
        foreach (var (kind, position, value) in edits)
        {
            if (list.Count == 0)
            {
                list.Add(value);
                continue;
            }

            var at = position % list.Count;
            switch (kind)
            {
                case 0:
                    list[at] ^= (byte)(1 << (value & 7));
                    break;
                case 1:
                    list[at] = value;
                    break;
                case 2:
                    list.RemoveRange(at, Math.Min(list.Count - at, 1 + value % 8));
                    break;
                default:
                    list.InsertRange(at, list.Skip(at).Take(1 + value % 16).ToList());
                    break;
            }
        }

        return list.ToArray();
    }

    private static void Save(string target, byte[] input)
    {
        var directory = Path.Combine(FindProjectDirectory(), "TestData", "Fuzz", target);
        Directory.CreateDirectory(directory);
        var name = Convert.ToHexString(SHA256.HashData(input))[..16].ToLowerInvariant() + ".bin";
        File.WriteAllBytes(Path.Combine(directory, name), input);
    }

    private static string FindProjectDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OpenIvs.Media.Tests.csproj")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
