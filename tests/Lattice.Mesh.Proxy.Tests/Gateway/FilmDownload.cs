using System.Security.Cryptography;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>A client's checks of what it downloaded from a <see cref="FilmApp"/>.</summary>
internal static class FilmDownload
{
    private const int ChunkSize = 64 << 10;

    /// <summary>The SHA-256 of the whole film, computed as it is generated, 64 KiB at a time.</summary>
    public static byte[] Sha256 { get; } = HashOfFilm();

    /// <summary>
    /// Reads <paramref name="body"/> until it ends, or until <paramref name="atMost"/> bytes when given, checking every
    /// byte against the film from <paramref name="from"/>; returns how many bytes were read. Nothing is kept.
    /// </summary>
    public static async Task<long> ReadCheckedAsync(Stream body, long from, long? atMost = null)
    {
        var received = new byte[ChunkSize];
        var expected = new byte[ChunkSize];
        long total = 0;
        while (atMost is null || total < atMost)
        {
            var wanted = (int)Math.Min(ChunkSize, (atMost ?? long.MaxValue) - total);
            var read = await body.ReadAsync(received.AsMemory(0, wanted), Ct);
            if (read == 0)
            {
                break;
            }

            var position = from + total;
            FilmApp.Fill(position, expected.AsSpan(0, read));
            var same = received.AsSpan(0, read).CommonPrefixLength(expected.AsSpan(0, read));
            if (same != read)
            {
                Assert.Fail($"byte {position + same} of the film is {received[same]}, not {expected[same]} (read from {from}, {total + same} bytes in)");
            }

            total += read;
        }

        return total;
    }

    /// <summary>Reads <paramref name="body"/> to its end through a running SHA-256; returns the hash and the length.</summary>
    public static async Task<(byte[] Sha256, long Length)> HashAsync(Stream body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, Ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (hash.GetHashAndReset(), total);
    }

    private static byte[] HashOfFilm()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        for (long position = 0; position < FilmApp.Length; position += ChunkSize)
        {
            var count = (int)Math.Min(ChunkSize, FilmApp.Length - position);
            FilmApp.Fill(position, buffer.AsSpan(0, count));
            hash.AppendData(buffer, 0, count);
        }

        return hash.GetHashAndReset();
    }
}
