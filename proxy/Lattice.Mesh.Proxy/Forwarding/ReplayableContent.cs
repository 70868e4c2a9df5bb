using System.Net;

namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// Sends a request body that can be read only once (YARP's request content streams the client's body) and tracks
/// whether it has been sent. With a record limit it also keeps a copy of what it sends, up to the limit, so that a
/// body of unknown length that turns out small can be replayed (Linkerd's replay body): the first try is never
/// delayed by buffering, and a body over the limit is still sent whole, just not repeatable.
/// </summary>
internal sealed class ReplayableContent : HttpContent
{
    private const int NotStarted = 0;
    private const int Sending = 1;
    private const int Recorded = 2;
    private const int SentUnrecorded = 3;
    private const int Failed = 4;

    private readonly HttpContent _source;
    private readonly int _recordLimit;
    private byte[]? _recording;
    private int _recordedLength;
    private int _state;

    /// <param name="source">The body to send; its headers are not copied here.</param>
    /// <param name="recordLimit">The most bytes to keep for replay; zero keeps none.</param>
    public ReplayableContent(HttpContent source, int recordLimit)
    {
        _source = source;
        _recordLimit = recordLimit;
    }

    /// <summary>True once the transport has begun to send this body.</summary>
    public bool Started => Volatile.Read(ref _state) != NotStarted;

    /// <summary>True when the body can be offered to another try: never sent, or sent whole and recorded.</summary>
    public bool CanReplay => Volatile.Read(ref _state) is NotStarted or Recorded;

    /// <summary>The whole body, when it was sent completely and fitted the record limit.</summary>
    public bool TryGetRecording(out ReadOnlyMemory<byte> body)
    {
        if (Volatile.Read(ref _state) == Recorded)
        {
            body = new ReadOnlyMemory<byte>(_recording, 0, _recordedLength);
            return true;
        }

        body = default;
        return false;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, Sending, NotStarted) != NotStarted)
        {
            throw new InvalidOperationException("This request body was already sent once and was not recorded, so it cannot be sent again.");
        }

        try
        {
            if (_recordLimit > 0)
            {
                var recorder = new RecordingStream(stream, this);
                await _source.CopyToAsync(recorder, context, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _state, _recordedLength >= 0 ? Recorded : SentUnrecorded);
            }
            else
            {
                await _source.CopyToAsync(stream, context, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _state, SentUnrecorded);
            }
        }
        catch
        {
            Volatile.Write(ref _state, Failed);
            throw;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        // The copied headers carry Content-Length when the source knew it; otherwise the transport sends it chunked.
        length = 0;
        return false;
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        if (_recordedLength < 0 || bytes.IsEmpty)
        {
            return;
        }

        var needed = _recordedLength + (long)bytes.Length;
        if (needed > _recordLimit)
        {
            // Over the limit: stop recording for good; the body keeps streaming.
            _recording = null;
            _recordedLength = -1;
            return;
        }

        if (_recording is null || _recording.Length < needed)
        {
            var size = (int)Math.Min(_recordLimit, Math.Max(needed, Math.Max(4096, (_recording?.Length ?? 0) * 2L)));
            Array.Resize(ref _recording, size);
        }

        bytes.CopyTo(_recording.AsSpan(_recordedLength));
        _recordedLength = (int)needed;
    }

    /// <summary>Writes through to the transport's stream and records what passes.</summary>
    private sealed class RecordingStream(Stream inner, ReplayableContent owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            owner.Record(buffer);
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            owner.Record(buffer.Span);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
