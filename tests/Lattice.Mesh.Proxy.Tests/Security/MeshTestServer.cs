using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>
/// A real Kestrel on 127.0.0.1, port 0, with one mesh (mutual TLS) listener configured by <see cref="MeshTls.ConfigureServer"/>.
/// Every request is answered with the caller's SPIFFE id (or "(none)") and the serial number of its certificate, and
/// the protocol it came in over in the <c>x-test-protocol</c> header.
/// </summary>
internal sealed class MeshTestServer : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private int _handled;

    public Uri Address { get; private set; } = null!;

    /// <summary>How many requests reached the endpoint (a refused handshake reaches none).</summary>
    public int Handled => Volatile.Read(ref _handled);

    public static async Task<MeshTestServer> StartAsync(MeshCertificateStore store)
    {
        var server = new MeshTestServer();
        server._server = await LoopbackServer.StartAsync(server.HandleAsync, HttpProtocols.Http1AndHttp2, listen => listen.UseHttps(https => MeshTls.ConfigureServer(https, store)));
        server.Address = new Uri(server._server.Address.GetLeftPart(UriPartial.Authority).Replace("http://", "https://", StringComparison.Ordinal));
        return server;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _handled);
        var caller = context.GetCallerSpiffeId() ?? "(none)";
        context.Response.Headers["x-test-protocol"] = context.Request.Protocol;
        return context.Response.WriteAsync($"{caller} {context.Connection.ClientCertificate?.SerialNumber}", context.RequestAborted);
    }
}
