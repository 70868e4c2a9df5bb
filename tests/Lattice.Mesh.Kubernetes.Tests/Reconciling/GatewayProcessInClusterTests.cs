using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Lattice.Mesh.Cli.Controller;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Tests.Support;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>
/// The gateway as its Deployment runs it, minus the kubelet: holding the projected token of the ServiceAccount that
/// deploy/ installs for it, and the ingress Secret the controller issued (mounted as the kubelet would), it gets
/// its mesh identity and its table from the controller's server and serves jellyfin.home.local with a certificate
/// that a client trusting the CA in ConfigMap lattice-ingress-ca accepts for that name.
/// </summary>
public sealed class GatewayProcessInClusterTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-gw-incluster-");
    private MeshInCluster _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MeshInCluster.CreateAsync(cluster, "gwproc");

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task TheGateway_WithItsPodsTokenAndItsMountedSecret_IsReady_AndServesTheHostWithTheIngressCasCertificate()
    {
        var ct = TestContext.Current.CancellationToken;
        await _mesh.InstallGatewayAsync();
        var controller = await _mesh.StartControllerAsync();
        await _mesh.ApplyMediaStackAsync();
        var gatewayId = new ServiceId(_mesh.SystemNamespace, "lattice-gateway");
        await Wait.UntilAsync(() => Task.FromResult(controller.Leadership.IsLeader && controller.Distributor.Tables.ContainsKey(gatewayId)), "the controller to lead and compile the gateway's table");
        await Wait.UntilAsync(async () => await _mesh.SecretAsync(_mesh.SystemNamespace, _mesh.IngressSecret("jellyfin-tls")) is not null, "jellyfin's ingress Secret");
        await using var server = await ControllerServer.StartAsync(controller.Authority, controller.Distributor, controller.Authenticator, Path.Combine(_folder.FullName, "controller"), new IPEndPoint(IPAddress.Loopback, 0), () => controller.Leadership.IsLeader);

        // What the Deployment mounts: the token, the mesh CA, and one folder per ingress Secret.
        var pod = Directory.CreateDirectory(Path.Combine(_folder.FullName, "gateway")).FullName;
        await File.WriteAllTextAsync(Path.Combine(pod, "token"), await cluster.ServiceAccountTokenAsync(_mesh.SystemNamespace, "lattice-gateway", "lattice-mesh", ct), ct);
        await File.WriteAllTextAsync(Path.Combine(pod, "ca.crt"), controller.Authority.CertificatePem, ct);
        var secret = (await _mesh.SecretAsync(_mesh.SystemNamespace, _mesh.IngressSecret("jellyfin-tls")))!;
        var mounted = Directory.CreateDirectory(Path.Combine(pod, "ingress", secret.Metadata.Name)).FullName;
        await File.WriteAllBytesAsync(Path.Combine(mounted, "tls.crt"), secret.Data["tls.crt"], ct);
        await File.WriteAllBytesAsync(Path.Combine(mounted, "tls.key"), secret.Data["tls.key"], ct);

        await using var gateway = await GatewayServer.StartAsync(new GatewayOptions
        {
            HttpPort = 0,
            HttpsPort = 0,
            StatusPort = 0,
            BindAddress = "127.0.0.1",
            Certificates = new GatewayCertificateOptions { Folder = Path.Combine(pod, "ingress") },
            MeshCertificates = MeshCertificateOptions.InFolder(pod),
            RouteTablePath = Path.Combine(pod, "routes.json"),
            Controller = new ControllerConnection { Uri = server.Uri, BootstrapTokenPath = Path.Combine(pod, "token"), Instance = "lattice-gateway-pod-1" },
        }, logging: _ => { }, ct);

        using var status = new HttpClient();
        await Wait.UntilAsync(async () => (await status.GetAsync(new Uri(gateway.StatusUri, "/healthz/ready"), ct)).StatusCode == HttpStatusCode.OK, "the gateway to be ready");
        Assert.Equal($"spiffe://lattice.local/ns/{_mesh.SystemNamespace}/sa/lattice-gateway", gateway.MeshCertificates.Current?.SpiffeId);
        Assert.Equal(controller.Distributor.Tables[gatewayId].Revision, gateway.Revision);

        // A client that trusts only the ingress CA the controller publishes, and checks the name.
        var ingressCa = (await Client.CoreV1.ReadNamespacedConfigMapAsync("lattice-ingress-ca", _mesh.SystemNamespace, cancellationToken: ct)).Data["ca.crt"];
        using var root = X509Certificate2.CreateFromPem(ingressCa);
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, gateway.HttpsUri.Port, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false; // no certificate, or not for jellyfin.home.local
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
        using var client = new HttpClient(handler);
        using var response = await client.GetAsync(new Uri($"https://jellyfin.home.local:{gateway.HttpsUri.Port}/web/"), ct);

        // The handshake and the route worked; the sidecar's cluster address (jellyfin.<ns>.svc.cluster.local:15006)
        // does not resolve outside a cluster, so the gateway answers 502 rather than 404 (unknown host) or 503 (no table).
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    private IKubernetes Client => _mesh.Client;
}
