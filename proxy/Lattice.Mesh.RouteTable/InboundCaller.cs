namespace Lattice.Mesh.RouteTable;

/// <summary>A caller allowed in by a bilateral agreement (or the gateway, for a service with ingress).</summary>
public sealed record InboundCaller
{
    /// <summary>The caller's key, <c>namespace/name</c>.</summary>
    public required string Service { get; init; }

    /// <summary>The identity the caller's client certificate must carry.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The limit on this caller's requests; none when the callee declared none.</summary>
    public RateLimitPolicy? RateLimit { get; init; }

    /// <summary>
    /// The service port (one of the table's <c>ports</c>) this caller's requests are delivered to, whatever the port
    /// in their Host: set for the gateway, to the service's ingress port. Null: chosen by the Host's port, else the
    /// port named http, else the first.
    /// </summary>
    public int? Port { get; init; }
}
