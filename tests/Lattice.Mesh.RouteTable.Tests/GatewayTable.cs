namespace Lattice.Mesh.RouteTable.Tests;

/// <summary>
/// A realistic table for the gateway, as the controller would produce it for the media stack: no callers, no
/// destinations, one entry per ingress host sorted by host, stamped with its revision. Every call builds new instances.
/// </summary>
internal static class GatewayTable
{
    public const int Replicas = 2;

    /// <summary>The index of jellyfin.home.local in <see cref="RouteTable.Gateway"/>.</summary>
    public const int Jellyfin = 0;

    /// <summary>The index of sonarr.home.local in <see cref="RouteTable.Gateway"/>.</summary>
    public const int Sonarr = 1;

    public static RouteTable Create() => RouteTableRevision.Stamp(Unstamped());

    public static RouteTable Unstamped() => new()
    {
        ApiVersion = RouteTable.CurrentApiVersion,
        Revision = string.Empty,
        Service = new WorkloadIdentity { Namespace = "lattice-system", Name = "lattice-gateway", SpiffeId = "spiffe://lattice.local/ns/lattice-system/sa/lattice-gateway" },
        Replicas = Replicas,
        Ports = [],
        Inbound = [],
        Outbound = [],
        Denied = [],
        External = [],
        Volumes = [],
        Gateway =
        [
            new GatewayHost
            {
                Host = "jellyfin.home.local",
                Service = "media/jellyfin",
                Address = "jellyfin.media.svc.cluster.local:15006",
                SpiffeId = "spiffe://lattice.local/ns/media/sa/jellyfin",
                Port = 8096,
                Tls = new IngressTls { Mode = IngressTlsMode.Manual, SecretName = "jellyfin-cert" },
                RateLimit = RateLimitPolicy.Divide(requestsPerInterval: 100, intervalSeconds: 60, burst: null, replicas: Replicas),
            },
            new GatewayHost
            {
                Host = "sonarr.home.local",
                Service = "media/sonarr",
                Address = "sonarr.media.svc.cluster.local:15006",
                SpiffeId = "spiffe://lattice.local/ns/media/sa/sonarr",
                Port = 8989,
                Tls = new IngressTls { Mode = IngressTlsMode.Auto, SecretName = "sonarr-tls", IssuerName = "home-ca", IssuerKind = "ClusterIssuer" },
            },
        ],
    };

    /// <summary>The table with gateway entry <paramref name="index"/> replaced by <paramref name="change"/>'s result.</summary>
    public static RouteTable WithHost(this RouteTable table, int index, Func<GatewayHost, GatewayHost> change) =>
        table with { Gateway = table.Gateway.SetItem(index, change(table.Gateway[index])) };

    /// <summary>The table with one value of its gateway entries changed by name, and its revision left as it was.</summary>
    public static RouteTable WithGatewayChange(this RouteTable table, string change) => change switch
    {
        "gateway host" => table.WithHost(Sonarr, h => h with { Host = "tv.home.local" }),
        "gateway service" => table.WithHost(Sonarr, h => h with { Service = "media/radarr", SpiffeId = "spiffe://lattice.local/ns/media/sa/radarr" }),
        "gateway address" => table.WithHost(Sonarr, h => h with { Address = "127.0.0.1:41234" }),
        "gateway port" => table.WithHost(Sonarr, h => h with { Port = 8990 }),
        "gateway tls secret" => table.WithHost(Jellyfin, h => h with { Tls = h.Tls with { SecretName = "jellyfin-tls" } }),
        "gateway rate limit" => table.WithHost(Jellyfin, h => h with { RateLimit = RateLimitPolicy.Divide(200, 60, null, Replicas) }),
        "gateway host removed" => table with { Gateway = table.Gateway.RemoveAt(Sonarr) },
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "no such change"),
    };
}
