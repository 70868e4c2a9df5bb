using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>
/// The controller's push endpoint on a real Kestrel with mutual TLS, as the controller identity; it can be stopped and
/// started again on the same port. Given bootstrap tokens it is also the certificate authority for sidecars, issuing
/// certificates of <c>validity</c>, and then (as the real controller) it lets clients without a certificate connect.
/// </summary>
internal sealed class PushController : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly MeshCertificateStore _store;

    private PushController(LoopbackServer server, MeshCertificateStore store)
    {
        _server = server;
        _store = store;
    }

    public Uri Uri => new(_server.Address.GetLeftPart(UriPartial.Authority).Replace("http://", "https://", StringComparison.Ordinal));

    public static async Task<PushController> StartAsync(Pki pki, string folder, RouteTableDistributor distributor, int port = 0, BootstrapTokens? tokens = null, TimeSpan? validity = null)
    {
        pki.WriteWorkloadFiles(folder, PushProtocol.ControllerSpiffeId(SpiffeId.DefaultTrustDomain));
        var store = new MeshCertificateStore(MeshCertificateOptions.InFolder(folder), NullLogger<MeshCertificateStore>.Instance);
        store.Start();
        var server = await LoopbackServer.StartAsync(
            _ => { },
            app =>
            {
                app.MapRouteTablePush(distributor, context => context.GetCallerSpiffeId());
                if (tokens is not null)
                {
                    app.MapCertificateIssuance(pki.Authority, tokens, validity);
                }
            },
            HttpProtocols.Http1AndHttp2,
            listen => listen.UseHttps(https => MeshTls.ConfigureServer(https, store, requireClientCertificate: tokens is null)),
            port);
        return new PushController(server, store);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _store.Dispose();
    }
}
