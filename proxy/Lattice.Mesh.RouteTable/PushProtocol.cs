namespace Lattice.Mesh.RouteTable;

/// <summary>
/// How route tables travel from the controller to sidecars. A sidecar opens <see cref="WatchPath"/> over mutual
/// TLS (HTTP/2); the controller identifies it by its certificate's SPIFFE id and streams that service's table,
/// and never another's: one compact JSON table per line (<see cref="ContentType"/>), a new line for each new
/// revision, and an empty line every <see cref="HeartbeatInterval"/> so that a dead connection is noticed. The
/// sidecar reports each revision it put in force to <see cref="AppliedPath"/>.
/// </summary>
public static class PushProtocol
{
    public const string WatchPath = "/v1/routes/watch";

    public const string AppliedPath = "/v1/routes/applied";

    public const string ContentType = "application/x-ndjson";

    /// <summary>On the applied report: the revision now in force.</summary>
    public const string RevisionHeader = "x-lattice-revision";

    /// <summary>On the applied report: which replica of the service (its pod name, or any stable id).</summary>
    public const string InstanceHeader = "x-lattice-instance";

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    /// <summary>With no line for this long the sidecar drops the connection and reconnects.</summary>
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The controller's own identity, which sidecars require of the server they dial.</summary>
    public static string ControllerSpiffeId(string trustDomain) => SpiffeId.For(trustDomain, "lattice-system", "lattice-controller");
}
