using System.Text.Json.Nodes;
using k8s;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Crd;

/// <summary>
/// The LatticeService API as a user addresses it (lattice.dev/v1alpha1, latticeservices), spelled out here rather than
/// taken from product code: these tests pin what kubectl users and manifests depend on.
/// </summary>
internal static class LatticeServiceApi
{
    public const string Group = "lattice.dev";
    public const string Version = "v1alpha1";
    public const string Plural = "latticeservices";

    public static async Task<JsonObject> GetAsync(KubernetesCluster cluster, string ns, string name, CancellationToken cancellationToken) =>
        await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Plural, name, cancellationToken);

    public static async Task<IReadOnlyList<string>> NamesAsync(KubernetesCluster cluster, string ns, CancellationToken cancellationToken)
    {
        var list = await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(Group, Version, ns, Plural, cancellationToken: cancellationToken);
        return [.. list["items"]!.AsArray().Select(item => (string)item!["metadata"]!["name"]!)];
    }

    /// <summary>Runs <c>kubectl apply -f -</c> in <paramref name="ns"/> with <paramref name="yaml"/> on stdin.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> ApplyAsync(
        KubernetesCluster cluster, string ns, string yaml, CancellationToken cancellationToken, params string[] extraArgs) =>
        cluster.KubectlAsync(["apply", "-n", ns, "-f", "-", .. extraArgs], yaml, cancellationToken);
}
