namespace Lattice.Mesh.Compiler.Model;

/// <summary>The spec of a LatticeService. Maps are keyed as in the manifest and keep no order.</summary>
public sealed record LatticeServiceSpec
{
    /// <summary>A free-form grouping label.</summary>
    public string? Environment { get; init; }

    public required ReplicaSpec Replicas { get; init; }

    public required IReadOnlyDictionary<string, ContainerSpec> Containers { get; init; }

    public required IReadOnlyDictionary<string, PortSpec> Ports { get; init; }

    public required IReadOnlyDictionary<string, ResourceSpec> Resources { get; init; }

    public IngressSpec? Ingress { get; init; }
}
