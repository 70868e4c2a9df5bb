namespace Lattice.Mesh.RouteTable;

/// <summary>Who a sidecar speaks for: the service's namespace/name and its SPIFFE id.</summary>
public sealed record WorkloadIdentity
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary><c>spiffe://&lt;trust-domain&gt;/ns/&lt;namespace&gt;/sa/&lt;name&gt;</c>, carried in the workload certificate.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The service's key, <c>namespace/name</c>.</summary>
    public override string ToString() => $"{Namespace}/{Name}";
}
