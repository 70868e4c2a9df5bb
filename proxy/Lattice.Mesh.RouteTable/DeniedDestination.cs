using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// A destination this service declared but may not call, because the agreement is one-sided. The sidecar
/// refuses it like any undeclared destination, but can say exactly which declaration is missing.
/// </summary>
public sealed record DeniedDestination
{
    public required string Service { get; init; }

    public required ImmutableArray<string> Hosts { get; init; }

    /// <summary>What is missing, e.g. "nzbget declares no inbound from sonarr".</summary>
    public required string Reason { get; init; }

    /// <summary>What to add, and where.</summary>
    public required string Fix { get; init; }

    public bool Equals(DeniedDestination? other) =>
        other is not null && Service == other.Service && Sequence.Equal(Hosts, other.Hosts) && Reason == other.Reason && Fix == other.Fix;

    public override int GetHashCode() => HashCode.Combine(Service, Sequence.Hash(Hosts), Reason, Fix);
}
