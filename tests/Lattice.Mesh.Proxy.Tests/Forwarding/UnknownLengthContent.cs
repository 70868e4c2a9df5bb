using System.Net;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>A body that does not know its length, so HTTP/1.1 sends it chunked (as YARP forwards a chunked upload).</summary>
internal sealed class UnknownLengthContent(byte[] body) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < body.Length; offset += 4096)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)), cancellationToken);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
