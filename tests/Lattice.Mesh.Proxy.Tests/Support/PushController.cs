using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>The controller's push endpoint on a real Kestrel with mutual TLS, as the controller identity; it can be stopped and started again on the same port.</summary>
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

    public static async Task<PushController> StartAsync(Pki pki, string folder, RouteTableDistributor distributor, int port = 0)
    {
        pki.WriteWorkloadFiles(folder, PushProtocol.ControllerSpiffeId(SpiffeId.DefaultTrustDomain));
        var store = new MeshCertificateStore(MeshCertificateOptions.InFolder(folder), NullLogger<MeshCertificateStore>.Instance);
        store.Start();
        var server = await LoopbackServer.StartAsync(
            _ => { },
            app => app.MapRouteTablePush(distributor, context => context.GetCallerSpiffeId()),
            HttpProtocols.Http1AndHttp2,
            listen => listen.UseHttps(https => MeshTls.ConfigureServer(https, store)),
            port);
        return new PushController(server, store);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _store.Dispose();
    }
}
