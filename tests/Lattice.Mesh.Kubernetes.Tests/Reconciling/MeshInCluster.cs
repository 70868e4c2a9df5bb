using System.Text.Json;
using k8s;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Reconciling;
using Lattice.Mesh.Kubernetes.Rendering;
using Lattice.Mesh.Kubernetes.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>
/// One test's mesh on the shared API server: its own namespace (the media stack goes there), and control planes
/// scoped to it, each with its CA Secret and leader Lease in a system namespace of the test's own.
/// </summary>
internal sealed class MeshInCluster : IAsyncDisposable
{
    private readonly List<KubernetesControlPlane> _planes = [];

    private MeshInCluster(KubernetesCluster cluster, string ns, string systemNamespace)
    {
        Cluster = cluster;
        Namespace = ns;
        SystemNamespace = systemNamespace;
    }

    public KubernetesCluster Cluster { get; }

    public string Namespace { get; }

    public string SystemNamespace { get; }

    public IKubernetes Client => Cluster.Client;

    public static async Task<MeshInCluster> CreateAsync(KubernetesCluster cluster, string prefix)
    {
        await cluster.InstallCrdAsync(TestContext.Current.CancellationToken);
        var ns = await cluster.CreateNamespaceAsync(prefix, cancellationToken: TestContext.Current.CancellationToken);
        var system = await cluster.CreateNamespaceAsync(prefix + "-system", cancellationToken: TestContext.Current.CancellationToken);
        return new MeshInCluster(cluster, ns, system);
    }

    /// <summary>
    /// A controller replica watching this mesh's namespace, with short leases so that failover is quick, re-applying
    /// everything every <paramref name="reapply"/> (3 s unless given).
    /// </summary>
    public async Task<KubernetesControlPlane> StartControllerAsync(string identity = "controller-a", TimeSpan? reapply = null)
    {
        var plane = await KubernetesControlPlane.StartAsync(
            Client,
            QuickOptions(SystemNamespace, Namespace, identity, reapply),
            Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning)),
            TestContext.Current.CancellationToken);
        _planes.Add(plane);
        return plane;
    }

    /// <summary>
    /// A controller for tests: CA and Lease in <paramref name="systemNamespace"/>, LatticeServices of
    /// <paramref name="watchNamespace"/> only, changes acted on within 50 ms, failed writes tried again after 500 ms, a
    /// resync every second, everything re-applied every <paramref name="reapply"/> (3 s unless given), and short leases
    /// so that failover is quick.
    /// </summary>
    public static ControlPlaneOptions QuickOptions(string systemNamespace, string watchNamespace, string identity, TimeSpan? reapply = null) => new()
    {
        Namespace = systemNamespace,
        Identity = identity,
        Reconciler = new ReconcilerOptions { WatchNamespace = watchNamespace, Coalesce = TimeSpan.FromMilliseconds(50), RetryAfter = TimeSpan.FromMilliseconds(500), ResyncInterval = TimeSpan.FromSeconds(1), ReapplyInterval = reapply ?? TimeSpan.FromSeconds(3) },
        Election = new LeaderElectionTimings { LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(500) },
    };

    public async Task StopControllerAsync(KubernetesControlPlane plane)
    {
        _planes.Remove(plane);
        await plane.DisposeAsync();
    }

    /// <summary>Applies examples/media-server's three LatticeServices, as written, into this namespace.</summary>
    public async Task ApplyMediaStackAsync(params string[] only)
    {
        foreach (var file in Directory.EnumerateFiles(Repository.MediaServer, "*.yaml").Where(f => !Path.GetFileName(f).StartsWith("kustomization", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("namespace", StringComparison.Ordinal)))
        {
            if (only.Length == 0 || only.Contains(Path.GetFileNameWithoutExtension(file)))
            {
                await ApplyAsync(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
            }
        }
    }

    /// <summary>Applies one manifest into this namespace with kubectl (its namespace: media, if any, becomes this one).</summary>
    public async Task ApplyAsync(string manifest)
    {
        var file = Path.Combine(Path.GetTempPath(), $"lattice-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, manifest.Replace("namespace: media", $"namespace: {Namespace}", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        try
        {
            var (code, stdout, stderr) = await Cluster.KubectlAsync("apply", "-n", Namespace, "-f", file);
            Assert.True(code == 0, $"kubectl apply failed: {stdout}{stderr}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async Task DeleteServiceAsync(string name) =>
        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(LatticeServiceObject.Group, LatticeServiceObject.Version, Namespace, LatticeServiceObject.Plural, name, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>The status the controller wrote on <paramref name="name"/> (an empty object before it wrote one).</summary>
    public async Task<JsonElement> StatusAsync(string name)
    {
        var item = await Client.CustomObjects.GetNamespacedCustomObjectAsync<LatticeServiceObject>(LatticeServiceObject.Group, LatticeServiceObject.Version, Namespace, LatticeServiceObject.Plural, name, TestContext.Current.CancellationToken);
        return item.Status ?? JsonDocument.Parse("{}").RootElement;
    }

    /// <summary>The condition <paramref name="type"/> of <paramref name="name"/>'s status as (status, reason, message), or null.</summary>
    public async Task<(string Status, string Reason, string Message)?> ConditionAsync(string name, string type)
    {
        var status = await StatusAsync(name);
        if (!status.TryGetProperty("conditions", out var conditions))
        {
            return null;
        }

        foreach (var condition in conditions.EnumerateArray())
        {
            if (condition.GetProperty("type").GetString() == type)
            {
                return (condition.GetProperty("status").GetString()!, condition.GetProperty("reason").GetString()!, condition.GetProperty("message").GetString()!);
            }
        }

        return null;
    }

    public async Task<V1Deployment?> DeploymentAsync(string name) =>
        (await Client.AppsV1.ListNamespacedDeploymentAsync(Namespace, fieldSelector: $"metadata.name={name}", cancellationToken: TestContext.Current.CancellationToken)).Items.SingleOrDefault();

    /// <summary>The proxy image of the gateway <see cref="InstallGatewayAsync"/> installs.</summary>
    public const string InstalledProxyImage = "example/lattice-proxy:installed";

    /// <summary>The ingress gateway's objects for the system namespace, as deploy/gateway has them for lattice-system.</summary>
    public RenderedGateway RenderGateway() => GatewayRenderer.Render(new GatewayRenderContext
    {
        Gateway = new ServiceId(SystemNamespace, "lattice-gateway"),
        ProxyImage = InstalledProxyImage,
        ControllerAddress = "https://lattice-controller.lattice-system.svc:15012",
    });

    /// <summary>Installs the ingress gateway in the system namespace, as deploy/gateway does in lattice-system.</summary>
    public async Task InstallGatewayAsync()
    {
        var gateway = RenderGateway();
        var ct = TestContext.Current.CancellationToken;
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(gateway.ServiceAccount, SystemNamespace, cancellationToken: ct);
        await Client.CoreV1.CreateNamespacedServiceAsync(gateway.Service, SystemNamespace, cancellationToken: ct);
        await Client.AppsV1.CreateNamespacedDeploymentAsync(gateway.Deployment, SystemNamespace, cancellationToken: ct);
    }

    /// <summary>The ingress gateway's Deployment, in the controller's namespace, or null.</summary>
    public async Task<V1Deployment?> GatewayAsync() =>
        (await Client.AppsV1.ListNamespacedDeploymentAsync(SystemNamespace, fieldSelector: "metadata.name=lattice-gateway", cancellationToken: TestContext.Current.CancellationToken)).Items.SingleOrDefault();

    /// <summary>Secret <paramref name="ns"/>/<paramref name="name"/>, or null.</summary>
    public async Task<V1Secret?> SecretAsync(string ns, string name) =>
        (await Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: $"metadata.name={name}", cancellationToken: TestContext.Current.CancellationToken)).Items.SingleOrDefault();

    /// <summary>The gateway's Secret for <paramref name="secretName"/> of this mesh's namespace: <c>ingress-&lt;namespace&gt;-&lt;secretName&gt;</c>.</summary>
    public string IngressSecret(string secretName) => $"ingress-{Namespace}-{secretName}";

    /// <summary>examples/media-server/<paramref name="file"/>, as written.</summary>
    public static string Example(string file) => File.ReadAllText(Path.Combine(Repository.MediaServer, file));

    public async ValueTask DisposeAsync()
    {
        foreach (var plane in _planes)
        {
            await plane.DisposeAsync();
        }
    }
}
