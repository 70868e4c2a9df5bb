using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>How the mesh around the services looks: identities, DNS, and where sidecars are reached.</summary>
public sealed record CompilerOptions
{
    /// <summary>The gateway's identity: a caller every service with <c>ingress</c> accepts.</summary>
    public static readonly ServiceId DefaultGateway = new("lattice-system", "lattice-gateway");

    // Declared after DefaultGateway: static fields initialise in order, and this one reads it.
    public static readonly CompilerOptions Default = new();

    public string TrustDomain { get; init; } = SpiffeId.DefaultTrustDomain;

    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>The sidecar's inbound (mTLS) port, where peers and the gateway connect.</summary>
    public int InboundPort { get; init; } = 15006;

    public ServiceId Gateway { get; init; } = DefaultGateway;

    /// <summary>
    /// Where a service's sidecar inbound listener is reached (host:port). By default its Service's cluster DNS
    /// name and <see cref="InboundPort"/>; the local mesh and tests give 127.0.0.1 ports.
    /// </summary>
    public Func<ServiceId, string>? AddressOf { get; init; }

    /// <summary>Replica counts seen running; rate limits are divided by these instead of <c>replicas.min</c>.</summary>
    public IReadOnlyDictionary<ServiceId, int>? ObservedReplicas { get; init; }

    internal string Address(ServiceId service) =>
        AddressOf?.Invoke(service) ?? $"{service.Name}.{service.Namespace}.svc.{ClusterDomain}:{InboundPort}";

    internal string SpiffeIdOf(ServiceId service) => SpiffeId.For(TrustDomain, service.Namespace, service.Name);
}
