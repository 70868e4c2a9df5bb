using k8s;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Cli.Controller;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Proxy;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>
/// The whole control plane path in a cluster: the controller renders sonarr's ServiceAccount; a real sidecar holding
/// that account's projected token (audience lattice-mesh) gets its certificate and its route table from the
/// controller's server, and the LatticeService's status counts it as running the current revision.
/// </summary>
public sealed class SidecarInClusterTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-incluster-");
    private MeshInCluster _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MeshInCluster.CreateAsync(cluster, "sidecar");

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task ASidecarWithItsPodsToken_GetsItsIdentityAndItsTable_AndStatusCountsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var controller = await _mesh.StartControllerAsync();
        await _mesh.ApplyMediaStackAsync();
        var sonarr = new ServiceId(_mesh.Namespace, "sonarr");
        await Wait.UntilAsync(() => Task.FromResult(controller.Leadership.IsLeader && controller.Distributor.Tables.ContainsKey(sonarr)), "the controller to lead and compile sonarr's table");
        await Wait.UntilAsync(async () => (await _mesh.Client.CoreV1.ListNamespacedServiceAccountAsync(_mesh.Namespace, fieldSelector: "metadata.name=sonarr", cancellationToken: ct)).Items.Count == 1, "sonarr's ServiceAccount");
        await using var server = await ControllerServer.StartAsync(controller.Authority, controller.Distributor, controller.Authenticator, Path.Combine(_folder.FullName, "controller"), new IPEndPoint(IPAddress.Loopback, 0), () => controller.Leadership.IsLeader);
        var pod = Directory.CreateDirectory(Path.Combine(_folder.FullName, "sonarr")).FullName;
        await File.WriteAllTextAsync(Path.Combine(pod, "token"), await cluster.ServiceAccountTokenAsync(_mesh.Namespace, "sonarr", "lattice-mesh", ct), ct);
        await File.WriteAllTextAsync(Path.Combine(pod, "ca.crt"), controller.Authority.CertificatePem, ct);

        await using var sidecar = await ProxyServer.StartAsync(new ProxyOptions
        {
            OutboundPort = 0,
            InboundPort = 0,
            AdminPort = 0,
            InboundBindAddress = "127.0.0.1",
            RouteTablePath = Path.Combine(pod, "routes.json"),
            CertificatePath = Path.Combine(pod, "tls.crt"),
            KeyPath = Path.Combine(pod, "tls.key"),
            TrustBundlePath = Path.Combine(pod, "ca.crt"),
            BootstrapTokenPath = Path.Combine(pod, "token"),
            ControllerUri = server.Uri,
            Instance = "sonarr-pod-1",
        }, logging: _ => { }, cancellationToken: ct);
        using var admin = new HttpClient { BaseAddress = sidecar.AdminUri };
        await Wait.UntilAsync(async () => (await admin.GetAsync("/readyz", ct)).StatusCode == HttpStatusCode.OK, "the sidecar to be ready");

        using (var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(pod, "tls.crt"), Path.Combine(pod, "tls.key")))
        {
            Assert.True(SpiffeCertificates.TryGetSpiffeId(certificate, out var id));
            Assert.Equal($"spiffe://lattice.local/ns/{_mesh.Namespace}/sa/sonarr", id);
        }

        using var config = await admin.GetAsync("/config", ct);
        Assert.Equal(controller.Distributor.Tables[sonarr].Revision, config.Headers.GetValues("x-lattice-revision").Single());
        await Wait.UntilAsync(async () => (await _mesh.StatusAsync("sonarr")).TryGetProperty("routeTable", out var table) && table.GetProperty("sidecarsCurrent").GetInt32() == 1, "sonarr's status to count its sidecar");

        // The gateway is fed like a sidecar: under its identity (in the controller's namespace, where it runs), the
        // controller serves every ingress host.
        var gateway = controller.Distributor.Tables[new ServiceId(_mesh.SystemNamespace, "lattice-gateway")];
        Assert.Equal([$"jellyfin.home.local", "sonarr.home.local"], gateway.Gateway.Select(h => h.Host));
        Assert.Equal($"{_mesh.Namespace}/sonarr", gateway.Gateway.Single(h => h.Host == "sonarr.home.local").Service);
    }
}
