using System.Net;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// The gateway as it runs in the cluster: it starts with only the trust bundle and a bootstrap token, gets its mesh
/// certificate (lattice-system/lattice-gateway) and its table from the controller, like a sidecar, and keeps both
/// on disk so that a restart while the controller is away still serves.
/// </summary>
public sealed class GatewayFedByControllerTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-gw-push-");
    private readonly Pki _pki = Pki.Create();
    private readonly BootstrapTokens _tokens = new();
    private readonly RouteTableDistributor _distributor = new();
    private readonly TestWebPki _web = new();
    private readonly TlsSecretMounts _mounts = new();
    private PushController? _controller;
    private MediaMesh _mesh = null!;

    private string GatewayFolder => Path.Combine(_folder.FullName, "gateway");

    public async ValueTask InitializeAsync()
    {
        _controller = await PushController.StartAsync(_pki, Path.Combine(_folder.FullName, "controller"), _distributor, tokens: _tokens);
        _mesh = await MediaMesh.StartPushedAsync(_controller, _distributor, _pki, _tokens);
        _distributor.Publish(ServedTables.Of(_mesh.Compilation, CompilerOptions.DefaultGateway));
        _mounts.Publish("jellyfin-tls", _web.Issue([GatewayMesh.Jellyfin]));
        Directory.CreateDirectory(GatewayFolder);
        await File.WriteAllTextAsync(Path.Combine(GatewayFolder, "ca.crt"), _pki.Authority.CertificatePem, Ct);
        await File.WriteAllTextAsync(Path.Combine(GatewayFolder, "token"), _tokens.Issue(CompilerOptions.DefaultGateway), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        _mounts.Dispose();
        _web.Dispose();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task AGatewayWithOnlyAToken_IsIssuedItsIdentity_ReceivesTheTable_AndServesTheHost()
    {
        await using var gateway = await StartGatewayAsync();

        await WaitForTableAsync(gateway);

        Assert.Equal(GatewayMesh.GatewayId, gateway.MeshCertificates.Current?.SpiffeId);
        using var status = new HttpClient();
        using var ready = await status.GetAsync(new Uri(gateway.StatusUri, "/healthz/ready"), Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var response = await GetJellyfinAsync(gateway);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_mesh.Apps["jellyfin"].Received, r => r.Path == "/web/index.html" && r.Headers["x-lattice-caller"] == GatewayMesh.GatewayId);
    }

    [Fact]
    public async Task WhileTheControllerIsUnreachable_AFreshGatewayIsNotReady_AndSaysWhy()
    {
        await _controller!.DisposeAsync();
        _controller = null;
        await using var gateway = await StartGatewayAsync();
        using var status = new HttpClient();

        using var ready = await status.GetAsync(new Uri(gateway.StatusUri, "/healthz/ready"), Ct);
        using var live = await status.GetAsync(new Uri(gateway.StatusUri, "/healthz/live"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var reason = await ready.Content.ReadAsStringAsync(Ct);
        Assert.Contains("no route table yet", reason, StringComparison.Ordinal);
        Assert.Contains("no mesh certificate", reason, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task AChangePushedByTheController_IsInForceAtTheGateway()
    {
        await using var gateway = await StartGatewayAsync();
        await WaitForTableAsync(gateway);

        // Jellyfin's ingress host goes away: the gateway stops serving it.
        var without = RouteTableRevision.Stamp(_mesh.Compilation.GatewayTable! with { Gateway = [.. _mesh.Compilation.GatewayTable.Gateway.Where(h => h.Host != GatewayMesh.Jellyfin)] });
        _distributor.Publish(new Dictionary<ServiceId, RouteTable.RouteTable>(_mesh.Compilation.RouteTables) { [CompilerOptions.DefaultGateway] = without });

        await Eventually.Async(() => Task.FromResult(gateway.Revision == without.Revision), "the gateway to put the pushed table in force");
        using var response = await GetJellyfinAsync(gateway);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task RestartedWhileTheControllerIsAway_TheGatewayServesItsLastTableAndCertificate()
    {
        await using (var first = await StartGatewayAsync())
        {
            await WaitForTableAsync(first);
        }

        await _controller!.DisposeAsync();
        _controller = null;

        await using var restarted = await StartGatewayAsync();
        await WaitForTableAsync(restarted);
        using var response = await GetJellyfinAsync(restarted);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A gateway on the files in <see cref="GatewayFolder"/>, fed by the controller (an address nobody answers once it is gone).</summary>
    private async Task<GatewayServer> StartGatewayAsync()
    {
        var options = new GatewayOptions
        {
            HttpPort = 0,
            HttpsPort = 0,
            StatusPort = 0,
            BindAddress = "127.0.0.1",
            Certificates = new GatewayCertificateOptions { Folder = _mounts.Path, PollInterval = TimeSpan.FromMilliseconds(200) },
            MeshCertificates = MeshCertificateOptions.InFolder(GatewayFolder) with { PollInterval = TimeSpan.FromMilliseconds(200) },
            RouteTablePath = Path.Combine(GatewayFolder, "routes.json"),
            Controller = new ControllerConnection { Uri = _controller?.Uri ?? new Uri("https://127.0.0.1:9"), BootstrapTokenPath = Path.Combine(GatewayFolder, "token"), BackoffLimit = TimeSpan.FromMilliseconds(500), Instance = "gateway-1" },
        };
        return await GatewayServer.StartAsync(options, logging: _ => { }, Ct);
    }

    private Task WaitForTableAsync(GatewayServer gateway) =>
        Eventually.Async(() => Task.FromResult(gateway.Revision == _mesh.Compilation.GatewayTable!.Revision && gateway.MeshCertificates.Current is not null), "the gateway to have its table and certificate");

    private async Task<HttpResponseMessage> GetJellyfinAsync(GatewayServer gateway)
    {
        using var client = new HttpClient(_web.LoopbackHandler(gateway.HttpsUri.Port, allowAutoRedirect: false)) { Timeout = TimeSpan.FromSeconds(30) };
        return await client.GetAsync(new Uri($"https://{GatewayMesh.Jellyfin}:{gateway.HttpsUri.Port}/web/index.html"), Ct);
    }
}
