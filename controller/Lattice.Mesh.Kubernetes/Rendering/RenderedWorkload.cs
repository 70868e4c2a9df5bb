using k8s;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes.Rendering;

/// <summary>
/// The Kubernetes objects one LatticeService becomes, ready for server-side apply. A class, not a record: the
/// KubernetesClient models compare their lists by reference, so compare two renderings by their JSON.
/// </summary>
public sealed class RenderedWorkload
{
    public required V1ServiceAccount ServiceAccount { get; init; }

    public required V1Deployment Deployment { get; init; }

    /// <summary>Null when the service has no ports: nothing can call it.</summary>
    public V1Service? Service { get; init; }

    /// <summary>The claims of the volumes the service owns, sorted by name; none for volumes it mounts by reference.</summary>
    public required IReadOnlyList<V1PersistentVolumeClaim> PersistentVolumeClaims { get; init; }

    public required V1NetworkPolicy NetworkPolicy { get; init; }

    /// <summary>
    /// Every object, in the order to apply them: the NetworkPolicy first, so no pod ever runs unprotected; then
    /// the ServiceAccount and claims the pods need; the Service; the Deployment last.
    /// </summary>
    public IEnumerable<IKubernetesObject<V1ObjectMeta>> All()
    {
        yield return NetworkPolicy;
        yield return ServiceAccount;
        foreach (var claim in PersistentVolumeClaims)
        {
            yield return claim;
        }

        if (Service is not null)
        {
            yield return Service;
        }

        yield return Deployment;
    }
}
