using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>How the ingress gateway listens, what it serves and as whom it calls the services' sidecars.</summary>
public sealed record GatewayOptions
{
    /// <summary>The plain HTTP port, which only redirects to HTTPS (308). 0 lets the system choose; read it back from <see cref="GatewayServer.HttpUri"/>.</summary>
    public int HttpPort { get; init; } = 80;

    /// <summary>The HTTPS port (HTTP/1.1 and HTTP/2). 0 lets the system choose; read it back from <see cref="GatewayServer.HttpsUri"/>.</summary>
    public int HttpsPort { get; init; } = 443;

    /// <summary>
    /// The status port (plain HTTP): <c>/healthz/ready</c> for readiness probes, 15021 as on Istio's gateways. 0 lets
    /// the system choose; read it back from <see cref="GatewayServer.StatusUri"/>.
    /// </summary>
    public int StatusPort { get; init; } = 15021;

    /// <summary>The address the listeners bind, <c>0.0.0.0</c> (every IPv4 interface) by default; <c>127.0.0.1</c> on a workstation.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// The HTTPS port clients reach the gateway on, for the redirect's <c>Location</c> (left out when 443). The
    /// listener's port can differ behind a load balancer, so this is not <see cref="HttpsPort"/>. 0: the port the HTTPS
    /// listener is bound to (on a workstation, where nothing stands in front of it).
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
    /// A route table file to read at start and watch (a swap of the file puts the new table in force; a bad one is
    /// refused and the last good one keeps serving). With <see cref="Controller"/> set, every table the controller
    /// pushes is written here, so a gateway restarted while the controller is away still serves. Null: only
    /// <see cref="Routes"/> and <see cref="GatewayServer.TryApply"/>.
    /// </summary>
    public string? RouteTablePath { get; init; }

    /// <summary>
    /// The controller that pushes the gateway its table (as the identity <c>lattice-system/lattice-gateway</c>) and,
    /// with a bootstrap token, issues its mesh certificate into <see cref="MeshCertificates"/>. Needs
    /// <see cref="RouteTablePath"/>. Null: the table and certificate come from files alone.
    /// </summary>
    public ControllerConnection? Controller { get; init; }

    /// <summary>
    /// How long a forwarded request may go without any data moving either way before it is cut (YARP's activity
    /// timeout). There is no whole-request timeout: a film streams for hours.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long connecting to a sidecar (TCP and mesh TLS) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most connections the gateway opens to one service's sidecar; requests beyond them wait for one to be free
    /// (they do not fail). The hop is HTTP/1.1, one request in flight per connection, so without a cap a sidecar that
    /// stalls is met by a new TLS connection per request, whose handshakes starve the requests (README: Performance, "A
    /// stalled peer"). Envoy's default circuit breaker, 1,024, since a film or a download holds its connection for
    /// as long as it streams; a WebSocket (Jellyfin's) leaves the pool once upgraded and does not count.
    /// </summary>
    public int MaxSidecarConnections { get; init; } = 1024;

    /// <summary>
    /// Serve each connection on the thread that read it (Kestrel's <c>UnsafePreferInlineScheduling</c>) instead of
    /// handing every read and write to the thread pool, as the sidecar does (<see cref="ProxyOptions.InlineScheduling"/>);
    /// <c>lattice-proxy gateway</c> then runs socket completions inline too. On by default: nothing on the request path
    /// blocks (certificates are chosen from an index in memory, the files are read on their own timers), and in the
    /// load test's gateway path it took 450-454 µs of CPU per request at 1,000/s against 578-593 µs without, with the
    /// same throughput saturated (README: Performance).
    /// </summary>
    public bool InlineScheduling { get; init; } = true;
}
