using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Kubernetes.Ingress;

/// <summary>What one pass of <see cref="IngressCertificates"/> did. A class: it is read, never compared.</summary>
internal sealed class IngressOutcome(IReadOnlyDictionary<ServiceId, IngressCertificateState> states, IReadOnlyList<string> secrets, bool ok)
{
    /// <summary>The certificate of each service the gateway serves hosts for.</summary>
    public IReadOnlyDictionary<ServiceId, IngressCertificateState> States { get; } = states;

    /// <summary>The Secrets the gateway mounts, sorted: the planned ones, and the held ones that exist.</summary>
    public IReadOnlyList<string> Secrets { get; } = secrets;

    /// <summary>False when a write failed and the pass should be tried again.</summary>
    public bool Ok { get; } = ok;
}
