using System.Runtime.InteropServices;

namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// One request's body across its tries. A body of known length within the limit is buffered before the first try
/// (by <see cref="HttpContent.CopyToAsync(Stream, CancellationToken)"/>: YARP's request content can be serialised once
/// and cannot be read as a stream) and every try gets a fresh <see cref="ByteArrayContent"/>. Any other body is sent
/// through a <see cref="ReplayableContent"/>, which records it while it streams when its length is unknown.
/// </summary>
internal sealed class ReplayableBody
{
    private readonly HttpContent _source;
    private readonly byte[]? _buffer;
    private readonly int _length;
    private readonly ReplayableContent? _streaming;

    private ReplayableBody(HttpContent source, byte[] buffer, int length)
    {
        _source = source;
        _buffer = buffer;
        _length = length;
    }

    private ReplayableBody(HttpContent source, ReplayableContent streaming)
    {
        _source = source;
        _streaming = streaming;
    }

    /// <summary>True when the next try can carry the whole body: it is buffered, recorded, or was never sent.</summary>
    public bool CanReplay => _buffer is not null || _streaming!.CanReplay;

    /// <param name="source">The request's content.</param>
    /// <param name="replayLimit">The largest body to keep for replays after it was sent; zero keeps none.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    public static async ValueTask<ReplayableBody> CreateAsync(HttpContent source, int replayLimit, CancellationToken cancellationToken)
    {
        // Read first: for content that knows its length this stores Content-Length, so the header copy carries it.
        var length = source.Headers.ContentLength;
        if (replayLimit > 0 && length is { } known && known <= replayLimit)
        {
            using var buffer = new MemoryStream((int)known);
            await source.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return new ReplayableBody(source, buffer.GetBuffer(), (int)buffer.Length);
        }

        var streaming = new ReplayableContent(source, length is null ? replayLimit : 0);
        CopyHeaders(source, streaming);
        return new ReplayableBody(source, streaming);
    }

    /// <summary>The content for the next try.</summary>
    public HttpContent NextContent()
    {
        if (_buffer is not null)
        {
            return Copy(_buffer, 0, _length);
        }

        if (_streaming!.TryGetRecording(out var recording) && MemoryMarshal.TryGetArray(recording, out var segment))
        {
            return Copy(segment.Array ?? [], segment.Offset, segment.Count);
        }

        return _streaming;
    }

    private ByteArrayContent Copy(byte[] bytes, int offset, int count)
    {
        var content = new ByteArrayContent(bytes, offset, count);
        CopyHeaders(_source, content);
        return content;
    }

    private static void CopyHeaders(HttpContent from, HttpContent to)
    {
        foreach (var header in from.Headers.NonValidated)
        {
            if (header.Value.Count == 1)
            {
                to.Headers.TryAddWithoutValidation(header.Key, header.Value.ToString());
            }
            else
            {
                to.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }
}
