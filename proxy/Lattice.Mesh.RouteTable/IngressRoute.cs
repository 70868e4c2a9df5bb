using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>The host names the gateway serves for this service, and how.</summary>
public sealed record IngressRoute
{
    public required ImmutableArray<string> Hosts { get; init; }

    /// <summary>The app port the gateway's traffic is delivered to.</summary>
    public required int Port { get; init; }

    public required IngressTls Tls { get; init; }

    public RateLimitPolicy? RateLimit { get; init; }

    public bool Equals(IngressRoute? other) =>
        other is not null && Sequence.Equal(Hosts, other.Hosts) && Port == other.Port && Tls == other.Tls && Equals(RateLimit, other.RateLimit);

    public override int GetHashCode() => HashCode.Combine(Sequence.Hash(Hosts), Port, Tls, RateLimit);
}
