using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes.Rendering;

/// <summary>What <see cref="GatewayRenderer"/> renders the ingress gateway from.</summary>
public sealed record GatewayRenderContext
{
    /// <summary>The gateway's namespace (the controller's) and name: its ServiceAccount, so its mesh identity, and its objects' name.</summary>
    public ServiceId Gateway { get; init; } = CompilerOptions.DefaultGateway;

    /// <summary>The trust domain of the SPIFFE id the mesh issues to the gateway.</summary>
    public string TrustDomain { get; init; } = SpiffeId.DefaultTrustDomain;

    /// <summary>The lattice-proxy image: the same one the injector adds to pods, run as <c>lattice-proxy gateway</c>.</summary>
    public required string ProxyImage { get; init; }

    /// <summary>Where the gateway asks for its mesh certificate and receives its route table (an https URL).</summary>
    public required string ControllerAddress { get; init; }

    public int Replicas { get; init; } = 2;
}
