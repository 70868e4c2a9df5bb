using k8s;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>Restarting the shared API server: alone, after every parallel test (its collection disables parallelization).</summary>
[Collection(nameof(KubernetesClusterRestartTests))]
public sealed class KubernetesClusterRestartTests(KubernetesCluster cluster)
{
    [Fact]
    public async Task RestartApiServer_KeepsItsPortAndEveryObject()
    {
        var ct = TestContext.Current.CancellationToken;
        var ns = await cluster.CreateNamespaceAsync("fixture-restart", cancellationToken: ct);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kept" }, Data = new Dictionary<string, string> { ["key"] = "value" } }, ns, cancellationToken: ct);
        var server = cluster.Server;

        await cluster.RestartApiServerAsync(ct);

        Assert.Equal(server, cluster.Server);
        // The same client reconnects: the data came from etcd, which kept running.
        var kept = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("kept", ns, cancellationToken: ct);
        Assert.Equal("value", kept.Data["key"]);
        var (exitCode, stdout, stderr) = await cluster.KubectlAsync(["get", "configmap", "kept", "-n", ns, "-o", "jsonpath={.data.key}"], null, ct);
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("value", stdout);
    }
}
