using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>A destination this service may call, because both sides declared the agreement.</summary>
public sealed record OutboundDestination
{
    /// <summary>The callee's key, <c>namespace/name</c>.</summary>
    public required string Service { get; init; }

    /// <summary>The identity the callee's server certificate must carry.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>Every Host the app may use for the callee, with and without port, shortest first.</summary>
    public required ImmutableArray<string> Hosts { get; init; }

    /// <summary>The callee's app ports.</summary>
    public required ImmutableArray<int> Ports { get; init; }

    /// <summary>Where the callee's sidecar inbound listener is reached, <c>host:port</c>.</summary>
    public required string Address { get; init; }

    public RetryPolicy? Retries { get; init; }

    public TimeoutPolicy? Timeout { get; init; }

    public bool Equals(OutboundDestination? other) =>
        other is not null
        && Service == other.Service
        && SpiffeId == other.SpiffeId
        && Sequence.Equal(Hosts, other.Hosts)
        && Sequence.Equal(Ports, other.Ports)
        && Address == other.Address
        && Equals(Retries, other.Retries)
        && Equals(Timeout, other.Timeout);

    public override int GetHashCode() =>
        HashCode.Combine(Service, SpiffeId, Sequence.Hash(Hosts), Sequence.Hash(Ports), Address, Retries, Timeout);
}
