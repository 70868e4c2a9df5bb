namespace Lattice.Mesh.RouteTable;

/// <summary>
/// One host name the gateway serves (only the gateway's table carries these): which service's sidecar the
/// request goes to, over mesh mTLS, and the certificate the gateway presents for the host.
/// </summary>
public sealed record GatewayHost
{
    /// <summary>The host name, lower case, as the client sends it in SNI and Host.</summary>
    public required string Host { get; init; }

    /// <summary>The service the host belongs to, <c>namespace/name</c>.</summary>
    public required string Service { get; init; }

    /// <summary>Where the service's sidecar inbound listener is reached, <c>host:port</c> (the address mesh callers use).</summary>
    public required string Address { get; init; }

    /// <summary>The identity the service's server certificate must carry.</summary>
    public required string SpiffeId { get; init; }

    /// <summary>The service port the request is for, as <see cref="IngressRoute.Port"/> on the service's own table.</summary>
    public required int Port { get; init; }

    /// <summary>The certificate the gateway serves for <see cref="Host"/>.</summary>
    public required IngressTls Tls { get; init; }

    /// <summary>The host's limit (the service's <c>ingress.rateLimit</c>), divided by the gateway's replicas.</summary>
    public RateLimitPolicy? RateLimit { get; init; }
}
