using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>How the ingress gateway listens, what it serves and as whom it calls the services' sidecars.</summary>
public sealed record GatewayOptions
{
    /// <summary>The plain HTTP port, which only redirects to HTTPS (308). 0 lets the system choose; read it back from <see cref="GatewayServer.HttpUri"/>.</summary>
    public int HttpPort { get; init; } = 80;

    /// <summary>The HTTPS port (HTTP/1.1 and HTTP/2). 0 lets the system choose; read it back from <see cref="GatewayServer.HttpsUri"/>.</summary>
    public int HttpsPort { get; init; } = 443;

    /// <summary>The address both listeners bind, <c>0.0.0.0</c> (every IPv4 interface) by default; <c>127.0.0.1</c> on a workstation.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// The HTTPS port clients reach the gateway on, for the redirect's <c>Location</c> (left out when 443). The
    /// listener's port can differ behind a load balancer, so this is not <see cref="HttpsPort"/>.
    /// </summary>
    public int PublicHttpsPort { get; init; } = 443;

    /// <summary>The public certificates: a folder with one mounted TLS Secret per subfolder, chosen per connection by SNI.</summary>
    public required GatewayCertificateOptions Certificates { get; init; }

    /// <summary>The gateway's own mesh certificate (identity <c>lattice-system/lattice-gateway</c>), key and trust bundle.</summary>
    public required MeshCertificateOptions MeshCertificates { get; init; }

    /// <summary>
    /// The route table to start with (its <see cref="RouteTable.RouteTable.Gateway"/> hosts), or null to serve 503 until
    /// <see cref="GatewayServer.TryApply"/> is given one. An invalid table fails the start.
    /// </summary>
    public RouteTable.RouteTable? Routes { get; init; }

    /// <summary>
    /// How long a forwarded request may go without any data moving either way before it is cut (YARP's activity
    /// timeout). There is no whole-request timeout: a film streams for hours.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long connecting to a sidecar (TCP and mesh TLS) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
