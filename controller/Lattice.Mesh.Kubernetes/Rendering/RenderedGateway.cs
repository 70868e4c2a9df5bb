using k8s;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes.Rendering;

/// <summary>The ingress gateway's objects, ready for server-side apply. Compare two renderings by their JSON (see <see cref="RenderedWorkload"/>).</summary>
public sealed class RenderedGateway
{
    public required V1ServiceAccount ServiceAccount { get; init; }

    /// <summary>Type LoadBalancer: ports 80 and 443 to the gateway's 8080 and 8443.</summary>
    public required V1Service Service { get; init; }

    public required V1Deployment Deployment { get; init; }

    /// <summary>Every object, in the order to apply them: the ServiceAccount the pods run as, the Service, the Deployment last.</summary>
    public IEnumerable<IKubernetesObject<V1ObjectMeta>> All()
    {
        yield return ServiceAccount;
        yield return Service;
        yield return Deployment;
    }
}
