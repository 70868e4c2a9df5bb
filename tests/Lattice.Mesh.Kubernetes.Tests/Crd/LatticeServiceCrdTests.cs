using k8s;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Crd;

/// <summary>deploy/crd/latticeservice.yaml as kubectl v1.20 and the API server see it: accepted, named, listed.</summary>
public sealed class LatticeServiceCrdTests(KubernetesCluster cluster)
{
    private const string Minimal = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata:
          name: web
        spec:
          containers:
            main: {image: example/web:1.0}
        """;

    [Fact]
    public async Task Crd_IsEstablished_WithEveryNameAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);

        var crd = await cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(KubernetesCluster.LatticeServiceCrdName, cancellationToken: ct);

        var conditions = crd.Status.Conditions.ToDictionary(c => c.Type, c => c.Status);
        Assert.Equal("True", conditions["Established"]);
        Assert.Equal("True", conditions["NamesAccepted"]);
        Assert.False(conditions.ContainsKey("NonStructuralSchema"), "the API server found the schema non-structural");
        // acceptedNames is what the server granted (a name taken by another resource would be missing here).
        Assert.Equal("LatticeService", crd.Status.AcceptedNames.Kind);
        Assert.Equal(["lsvc"], crd.Status.AcceptedNames.ShortNames);
        Assert.Equal(["lattice"], crd.Status.AcceptedNames.Categories);
    }

    [Theory]
    [InlineData("lsvc")]
    [InlineData("latticeservice")]
    [InlineData("latticeservices.lattice.dev")]
    [InlineData("lattice")]
    public async Task KubectlGet_ListsLatticeServices_ByEveryName_WithThePrinterColumns(string resource)
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-names", cancellationToken: ct);
        var applied = await LatticeServiceApi.ApplyAsync(cluster, ns, Minimal, ct);
        Assert.True(applied.ExitCode == 0, applied.Stderr);

        var (exitCode, stdout, stderr) = await cluster.KubectlAsync(["get", resource, "-n", ns], null, ct);

        Assert.True(exitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "READY", "AGREEMENTS", "PENDING", "SIDECARS", "TLS", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // The category lists kinds with a prefix ("latticeservice.lattice.dev/web"); a plain resource lists the bare name.
        var row = Assert.Single(lines.Skip(1));
        Assert.Matches(@"^(latticeservice\.lattice\.dev/)?web\s", row);
    }
}
