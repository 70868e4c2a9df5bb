using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Crd;

/// <summary>
/// The status subresource: the controller writes status through /status, users write spec; neither write touches
/// the other half, and only spec changes bump metadata.generation (what status.observedGeneration is compared with).
/// </summary>
public sealed class StatusSubresourceTests(KubernetesCluster cluster)
{
    private const string Service = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata:
          name: api
        spec:
          replicas: {min: 1}
          containers:
            main: {image: example/api:1.0}
        """;

    private const string Status = """
        {"status": {"observedGeneration": 1, "agreementCount": 2, "pendingCount": 0,
                    "conditions": [{"type": "Ready", "status": "True", "reason": "Compiled", "message": "2 agreements"}]}}
        """;

    [Fact]
    public async Task StatusMergePatch_IsStored_AndShownInKubectlColumns_WithoutTouchingSpec()
    {
        var ct = TestContext.Current.CancellationToken;
        var ns = await CreateServiceAsync(ct);
        var before = await LatticeServiceApi.GetAsync(cluster, ns, "api", ct);

        // A status write that also tries to change spec: the status subresource must ignore the spec part.
        var patch = JsonNode.Parse(Status)!.AsObject();
        patch["spec"] = JsonNode.Parse("""{"replicas": {"min": 5}}""");
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), LatticeServiceApi.Group, LatticeServiceApi.Version, ns, LatticeServiceApi.Plural, "api", cancellationToken: ct);

        var after = await LatticeServiceApi.GetAsync(cluster, ns, "api", ct);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Status)!["status"], after["status"]), after["status"]?.ToJsonString());
        Assert.True(JsonNode.DeepEquals(before["spec"], after["spec"]), after["spec"]!.ToJsonString());
        Assert.Equal((long)before["metadata"]!["generation"]!, (long)after["metadata"]!["generation"]!);

        var (exitCode, stdout, stderr) = await cluster.KubectlAsync(["get", "lsvc", "api", "-n", ns, "--no-headers"], null, ct);
        Assert.True(exitCode == 0, stderr);
        // NAME READY AGREEMENTS PENDING SIDECARS (empty: no route table yet) AGE
        Assert.Matches(@"^api\s+True\s+2\s+0\s+\S+\s*$", stdout);
    }

    [Fact]
    public async Task SpecUpdate_LeavesStatusUntouched_AndBumpsGeneration()
    {
        var ct = TestContext.Current.CancellationToken;
        var ns = await CreateServiceAsync(ct);
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(Status, V1Patch.PatchType.MergePatch), LatticeServiceApi.Group, LatticeServiceApi.Version, ns, LatticeServiceApi.Plural, "api", cancellationToken: ct);
        var before = await LatticeServiceApi.GetAsync(cluster, ns, "api", ct);

        // A user's apply of a changed spec...
        var applied = await LatticeServiceApi.ApplyAsync(cluster, ns, Service.Replace("min: 1", "min: 2", StringComparison.Ordinal), ct);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        // ...and a write to the main resource that tries to change status.
        await cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch("""{"status": {"agreementCount": 99, "conditions": []}}""", V1Patch.PatchType.MergePatch), LatticeServiceApi.Group, LatticeServiceApi.Version, ns, LatticeServiceApi.Plural, "api", cancellationToken: ct);

        var after = await LatticeServiceApi.GetAsync(cluster, ns, "api", ct);
        Assert.Equal(2, (int)after["spec"]!["replicas"]!["min"]!);
        Assert.True(JsonNode.DeepEquals(before["status"], after["status"]), after["status"]?.ToJsonString());
        Assert.Equal((long)before["metadata"]!["generation"]! + 1, (long)after["metadata"]!["generation"]!);
    }

    private async Task<string> CreateServiceAsync(CancellationToken ct)
    {
        await cluster.InstallCrdAsync(ct);
        var ns = await cluster.CreateNamespaceAsync("crd-status", cancellationToken: ct);
        var (exitCode, _, stderr) = await LatticeServiceApi.ApplyAsync(cluster, ns, Service, ct);
        Assert.True(exitCode == 0, stderr);
        return ns;
    }
}
