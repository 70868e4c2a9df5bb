using System.Buffers.Binary;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// A stand-in Jellyfin streaming a film: every request gets <see cref="Length"/> bytes of a deterministic,
/// position-dependent pattern (<see cref="Fill"/>), made on the fly 64 KiB at a time and never held whole, with
/// ASP.NET Core's Range processing (as Jellyfin serves files): <c>Accept-Ranges: bytes</c>, and 206 with
/// <c>Content-Range</c> for <c>Range: bytes=a-b</c> or <c>bytes=a-</c>. <see cref="Served"/> counts the bytes handed to
/// the response so far, which stalls when nobody downstream reads.
/// </summary>
internal sealed class FilmApp : IAsyncDisposable
{
    /// <summary>50 MiB.</summary>
    public const long Length = 50L << 20;

    private readonly LoopbackServer _server;
    private long _served;

    private FilmApp(LoopbackServer server) => _server = server;

    public int Port => _server.Address.Port;

    /// <summary>Bytes handed to responses so far, across all requests (at most one 64 KiB copy buffer ahead of what Kestrel took).</summary>
    public long Served => Interlocked.Read(ref _served);

    public static async Task<FilmApp> StartAsync()
    {
        FilmApp? app = null;
        var server = await LoopbackServer.StartAsync(context => Results.Stream(new FilmStream(app!), "video/mp4", enableRangeProcessing: true).ExecuteAsync(context));
        app = new FilmApp(server);
        return app;
    }

    /// <summary>
    /// Writes the film's bytes from <paramref name="offset"/> into <paramref name="into"/>. Each aligned 8 bytes are a
    /// SplitMix64 of their index, so every slice of the film differs from every other: a byte out of place shows.
    /// </summary>
    public static void Fill(long offset, Span<byte> into)
    {
        Span<byte> word = stackalloc byte[8];
        var position = offset;
        while (!into.IsEmpty)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, Mix((ulong)position >> 3));
            var skip = (int)(position & 7);
            var count = Math.Min(8 - skip, into.Length);
            word.Slice(skip, count).CopyTo(into);
            into = into[count..];
            position += count;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static ulong Mix(ulong index)
    {
        var z = index + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The film as a read-only seekable stream, so that ASP.NET Core's Range processing can seek in it; counts what is read.</summary>
    private sealed class FilmStream(FilmApp app) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => FilmApp.Length;

        public override long Position
        {
            get => _position;
            set => _position = Math.Clamp(value, 0, FilmApp.Length);
        }

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, FilmApp.Length - _position);
            Fill(_position, buffer[..count]);
            _position += count;
            Interlocked.Add(ref app._served, count);
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => FilmApp.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
