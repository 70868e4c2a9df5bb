using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable.Tests;

/// <summary>
/// A realistic route table, as the controller would produce it for media/sonarr: lists sorted, hosts shortest
/// first, rate limits divided by the replica count, stamped with its revision. Every call builds new instances.
/// </summary>
internal static class SonarrTable
{
    public const int Replicas = 2;

    /// <summary>The index of media/jellyfin in <see cref="RouteTable.Outbound"/> (lists are sorted by service).</summary>
    public const int Jellyfin = 0;

    /// <summary>The index of media/nzbget in <see cref="RouteTable.Outbound"/>.</summary>
    public const int Nzbget = 1;

    /// <summary>The valid, stamped table.</summary>
    public static RouteTable Create() => RouteTableRevision.Stamp(Unstamped());

    /// <summary>The same content with an empty revision, for tests that change it before stamping.</summary>
    public static RouteTable Unstamped()
    {
        var ingressLimit = RateLimitPolicy.Divide(requestsPerInterval: 600, intervalSeconds: 60, burst: 100, replicas: Replicas);
        return new RouteTable
        {
            ApiVersion = RouteTable.CurrentApiVersion,
            Revision = string.Empty,
            Service = new WorkloadIdentity { Namespace = "media", Name = "sonarr", SpiffeId = "spiffe://lattice.local/ns/media/sa/sonarr" },
            Replicas = Replicas,
            Ports = [new ServicePort { Name = "http", Port = 8989, TargetPort = 8989, Protocol = "TCP" }],
            Inbound =
            [
                new InboundCaller
                {
                    Service = "lattice-system/lattice-gateway",
                    SpiffeId = "spiffe://lattice.local/ns/lattice-system/sa/lattice-gateway",
                    RateLimit = ingressLimit,
                },
            ],
            Outbound =
            [
                new OutboundDestination
                {
                    Service = "media/jellyfin",
                    SpiffeId = "spiffe://lattice.local/ns/media/sa/jellyfin",
                    Hosts = HostsOf("jellyfin", 8096),
                    Ports = [8096],
                    Address = "jellyfin.media.svc.cluster.local:15006",
                    Timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(60) },
                },
                new OutboundDestination
                {
                    Service = "media/nzbget",
                    SpiffeId = "spiffe://lattice.local/ns/media/sa/nzbget",
                    Hosts = HostsOf("nzbget", 6789),
                    Ports = [6789],
                    Address = "nzbget.media.svc.cluster.local:15006",
                    Retries = new RetryPolicy
                    {
                        Attempts = 3,
                        PerTryTimeout = TimeSpan.FromSeconds(10),
                        RetryOn = [RetryCondition.ServerError, RetryCondition.ConnectFailure],
                    },
                    Timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(30) },
                },
            ],
            Denied =
            [
                new DeniedDestination
                {
                    Service = "media/prowlarr",
                    Hosts = HostsOf("prowlarr", 9696),
                    Reason = "prowlarr declares no inbound from sonarr",
                    Fix = "add resources.sonarr {type: service, direction: inbound} to media/prowlarr",
                },
            ],
            External =
            [
                new ExternalDestination
                {
                    Name = "tvdb",
                    Endpoints = [new ExternalEndpoint { Name = "api", Url = new Uri("https://api4.thetvdb.com/v4") }],
                },
            ],
            Ingress = new IngressRoute
            {
                Hosts = ["sonarr.home.local"],
                Port = 8989,
                Tls = new IngressTls { Mode = IngressTlsMode.Auto, SecretName = "sonarr-tls", IssuerName = "home-ca", IssuerKind = "ClusterIssuer" },
                RateLimit = ingressLimit,
            },
            Volumes =
            [
                new VolumeClaim
                {
                    Resource = "downloads",
                    ClaimName = "nzbget-downloads",
                    Owner = "media/nzbget",
                    Size = "500Gi",
                    StorageClass = "nfs",
                    AccessMode = "ReadWriteMany",
                    Mounts = [new VolumeMount { Container = "sonarr", MountPath = "/downloads", ReadOnly = false }],
                },
            ],
        };
    }

    /// <summary>The table with one policy value changed by name (see the cases), and its revision left as it was.</summary>
    public static RouteTable With(this RouteTable table, string change) => change switch
    {
        "port" => table with { Ports = [table.Ports[0] with { TargetPort = 8990 }] },
        "caller rate limit" => table.WithInbound(0, c => c with { RateLimit = RateLimitPolicy.Divide(1200, 60, 100, SonarrTable.Replicas) }),
        "retry condition order" => table.WithNzbgetRetries(r => r with { RetryOn = [RetryCondition.ConnectFailure, RetryCondition.ServerError] }),
        "retry attempts" => table.WithNzbgetRetries(r => r with { Attempts = 4 }),
        "per-try timeout" => table.WithNzbgetRetries(r => r with { PerTryTimeout = TimeSpan.FromSeconds(11) }),
        "request timeout" => table.WithOutbound(SonarrTable.Jellyfin, d => d with { Timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(61) } }),
        "denied reason" => table with { Denied = [table.Denied[0] with { Reason = "prowlarr has no service ports" }] },
        "external url" => table with { External = [table.External[0] with { Endpoints = [table.External[0].Endpoints[0] with { Url = new Uri("https://api.thetvdb.com/v4") }] }] },
        "ingress host" => table with { Ingress = table.Ingress! with { Hosts = ["tv.home.local"] } },
        "ingress tls" => table with { Ingress = table.Ingress! with { Tls = table.Ingress.Tls with { Mode = IngressTlsMode.Manual } } },
        "volume mount" => table with { Volumes = [table.Volumes[0] with { Mounts = [table.Volumes[0].Mounts[0] with { ReadOnly = true }] }] },
        "replicas" => table.WithReplicas(3),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "no such change"),
    };

    /// <summary>The table with outbound destination <paramref name="index"/> replaced by <paramref name="change"/>'s result.</summary>
    public static RouteTable WithOutbound(this RouteTable table, int index, Func<OutboundDestination, OutboundDestination> change) =>
        table with { Outbound = table.Outbound.SetItem(index, change(table.Outbound[index])) };

    /// <summary>The table for another replica count, every rate limit divided again, as the compiler would produce it.</summary>
    public static RouteTable WithReplicas(this RouteTable table, int replicas)
    {
        static RateLimitPolicy? Again(RateLimitPolicy? limit, int replicas) =>
            limit is null ? null : RateLimitPolicy.Divide(limit.RequestsPerInterval, limit.IntervalSeconds, limit.Burst, replicas);

        return table with
        {
            Replicas = replicas,
            Inbound = [.. table.Inbound.Select(c => c with { RateLimit = Again(c.RateLimit, replicas) })],
            Ingress = table.Ingress is null ? null : table.Ingress with { RateLimit = Again(table.Ingress.RateLimit, replicas) },
        };
    }

    /// <summary>The table with inbound caller <paramref name="index"/> replaced by <paramref name="change"/>'s result.</summary>
    public static RouteTable WithInbound(this RouteTable table, int index, Func<InboundCaller, InboundCaller> change) =>
        table with { Inbound = table.Inbound.SetItem(index, change(table.Inbound[index])) };

    /// <summary>The table with the nzbget destination's retries replaced by <paramref name="change"/>'s result.</summary>
    public static RouteTable WithNzbgetRetries(this RouteTable table, Func<RetryPolicy, RetryPolicy> change) =>
        table.WithOutbound(Nzbget, d => d with { Retries = change(d.Retries!) });

    /// <summary>The Host values an app in namespace media may use for <paramref name="name"/>, as the compiler lists them.</summary>
    private static ImmutableArray<string> HostsOf(string name, int port)
    {
        string[] names = [name, $"{name}.media", $"{name}.media.svc", $"{name}.media.svc.cluster.local"];
        return [.. names.SelectMany(n => new[] { n, $"{n}:{port}" })];
    }
}
