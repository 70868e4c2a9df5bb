namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// A request body of <paramref name="length"/> bytes (all 7s) that stops after <paramref name="gateAt"/> bytes until
/// <see cref="Open"/> is called: a proxy that buffered the request before sending it on would never let the receiver
/// see those first bytes, so the upload would stall (and the test time out).
/// </summary>
internal sealed class GatedUpload(long length, long gateAt) : Stream
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Lets the rest of the body through.</summary>
    public void Open() => _gate.TrySetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position == gateAt)
        {
            await _gate.Task.WaitAsync(cancellationToken);
        }

        var limit = _position < gateAt ? gateAt : length;
        var count = (int)Math.Min(buffer.Length, limit - _position);
        buffer.Span[..count].Fill(7);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
