using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>Something outside the mesh this service may call (an <c>external-service</c> resource).</summary>
public sealed record ExternalDestination
{
    public required string Name { get; init; }

    public required ImmutableArray<ExternalEndpoint> Endpoints { get; init; }

    public bool Equals(ExternalDestination? other) =>
        other is not null && Name == other.Name && Sequence.Equal(Endpoints, other.Endpoints);

    public override int GetHashCode() => HashCode.Combine(Name, Sequence.Hash(Endpoints));
}
