namespace Lattice.Mesh.RouteTable.Tests;

public sealed class RouteTableValidatorTests
{
    [Fact]
    public void AcceptsTheSonarrTable()
    {
        Assert.Empty(RouteTableValidator.Validate(SonarrTable.Create()));
    }

    [Theory]
    [InlineData("apiVersion from another release", "apiVersion")]
    [InlineData("service name in upper case", "service.name")]
    [InlineData("namespace with an underscore", "service.namespace")]
    [InlineData("spiffe id of another service", "service.spiffeId")]
    [InlineData("spiffe id that is not one", "service.spiffeId")]
    [InlineData("replicas 0", "replicas")]
    [InlineData("port 0", "ports[0].port")]
    [InlineData("port 70000", "ports[0].port")]
    [InlineData("target port 0", "ports[0].targetPort")]
    [InlineData("protocol HTTP", "ports[0].protocol")]
    [InlineData("two ports named http", "ports[1].name")]
    [InlineData("caller spiffe id that is not one", "inbound[0].spiffeId")]
    [InlineData("caller listed twice", "inbound[1].spiffeId")]
    [InlineData("caller service without namespace", "inbound[0].service")]
    [InlineData("caller per-replica limit not divided", "inbound[0].rateLimit.perReplicaRequestsPerInterval")]
    [InlineData("caller per-replica burst not divided", "inbound[0].rateLimit.perReplicaBurst")]
    [InlineData("caller limit over 0 seconds", "inbound[0].rateLimit.intervalSeconds")]
    [InlineData("caller limit of 0 requests", "inbound[0].rateLimit.requestsPerInterval")]
    [InlineData("caller limit divided by 0 replicas", "inbound[0].rateLimit.replicas")]
    [InlineData("caller port not among the ports", "inbound[0].port")]
    [InlineData("destination service without namespace", "outbound[1].service")]
    [InlineData("destination spiffe id that is not one", "outbound[1].spiffeId")]
    [InlineData("attempts 0", "outbound[1].retries.attempts")]
    [InlineData("attempts 11", "outbound[1].retries.attempts")]
    [InlineData("zero per-try timeout", "outbound[1].retries.perTryTimeout")]
    [InlineData("negative per-try timeout", "outbound[1].retries.perTryTimeout")]
    [InlineData("empty retryOn", "outbound[1].retries.retryOn")]
    [InlineData("retryOn listing 5xx twice", "outbound[1].retries.retryOn")]
    [InlineData("retryOn an undefined condition", "outbound[1].retries.retryOn[1]")]
    [InlineData("zero request timeout", "outbound[0].timeout.request")]
    [InlineData("zero idle timeout", "outbound[0].timeout.idle")]
    [InlineData("empty hosts", "outbound[1].hosts")]
    [InlineData("host in upper case", "outbound[1].hosts[0]")]
    [InlineData("host shared by two destinations", "outbound[1].hosts[8]")]
    [InlineData("host shared by a destination and a denied one", "denied[0].hosts[8]")]
    [InlineData("no destination ports", "outbound[1].ports")]
    [InlineData("destination port 0", "outbound[1].ports")]
    [InlineData("address without port", "outbound[1].address")]
    [InlineData("denied with no reason", "denied[0].reason")]
    [InlineData("denied with no hosts", "denied[0].hosts")]
    [InlineData("external endpoint over ftp", "external[0].endpoints[0].url")]
    [InlineData("external endpoint relative", "external[0].endpoints[0].url")]
    [InlineData("external with no endpoints", "external[0].endpoints")]
    [InlineData("ingress with no hosts", "ingress.hosts")]
    [InlineData("ingress host with a port", "ingress.hosts[0]")]
    [InlineData("ingress port 0", "ingress.port")]
    [InlineData("ingress with no secret", "ingress.tls.secretName")]
    [InlineData("ingress tls mode undefined", "ingress.tls.mode")]
    [InlineData("ingress per-replica limit not divided", "ingress.rateLimit.perReplicaRequestsPerInterval")]
    [InlineData("claim name in upper case", "volumes[0].claimName")]
    [InlineData("mount at a relative path", "volumes[0].mounts[0].mountPath")]
    public void ReportsTheField_ThatBreaksARule(string rule, string field)
    {
        var errors = RouteTableValidator.Validate(Break(SonarrTable.Create(), rule));

        Assert.Contains(field, errors.Select(e => e.Field));
        Assert.DoesNotContain("revision", errors.Select(e => e.Field));
        Assert.All(errors, e =>
        {
            Assert.NotEmpty(e.Message);
            Assert.NotEmpty(e.Fix);
        });
    }

    [Fact]
    public void ReportsEveryError_AtOnce()
    {
        var table = SonarrTable.Create();
        foreach (var rule in new[] { "apiVersion from another release", "port 70000", "caller listed twice", "attempts 0", "address without port", "ingress with no hosts", "mount at a relative path" })
        {
            table = Break(table, rule);
        }

        var errors = RouteTableValidator.Validate(table);

        Assert.Equal(
            ["apiVersion", "inbound[1].spiffeId", "ingress.hosts", "outbound[1].address", "outbound[1].retries.attempts", "ports[0].port", "volumes[0].mounts[0].mountPath"],
            errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AllowsHostsListedAgain_ForTheSameService()
    {
        // The denied destination and an outbound one may name the same service's hosts only if they are the same service.
        var table = SonarrTable.Create();
        var nzbget = table.Outbound[SonarrTable.Nzbget];
        table = table with { Denied = [table.Denied[0] with { Service = nzbget.Service, Hosts = nzbget.Hosts }] };

        Assert.DoesNotContain(RouteTableValidator.Validate(table), e => e.Field.StartsWith("denied[0].hosts", StringComparison.Ordinal));
    }

    [Fact]
    public void AcceptsAnOmittedPerTryTimeout_AndATableWithoutIngress()
    {
        var table = SonarrTable.Unstamped().WithNzbgetRetries(r => r with { PerTryTimeout = null }) with { Ingress = null };

        Assert.Empty(RouteTableValidator.Validate(RouteTableRevision.Stamp(table)));
    }

    private static RouteTable Break(RouteTable table, string rule)
    {
        var limit = table.Inbound[0].RateLimit!;
        var ingress = table.Ingress!;
        return rule switch
        {
            "apiVersion from another release" => table with { ApiVersion = "lattice.dev/routetable/v2" },
            "service name in upper case" => table with { Service = table.Service with { Name = "Sonarr" } },
            "namespace with an underscore" => table with { Service = table.Service with { Namespace = "media_apps" } },
            "spiffe id of another service" => table with { Service = table.Service with { SpiffeId = "spiffe://lattice.local/ns/media/sa/radarr" } },
            "spiffe id that is not one" => table with { Service = table.Service with { SpiffeId = "media/sonarr" } },
            "replicas 0" => table with { Replicas = 0 },
            "port 0" => table with { Ports = [table.Ports[0] with { Port = 0 }] },
            "port 70000" => table with { Ports = [table.Ports[0] with { Port = 70000 }] },
            "target port 0" => table with { Ports = [table.Ports[0] with { TargetPort = 0 }] },
            "protocol HTTP" => table with { Ports = [table.Ports[0] with { Protocol = "HTTP" }] },
            "two ports named http" => table with { Ports = [table.Ports[0], table.Ports[0] with { Port = 9898, TargetPort = 9898 }] },
            "caller spiffe id that is not one" => table.WithInbound(0, c => c with { SpiffeId = "lattice-gateway" }),
            "caller listed twice" => table with { Inbound = [table.Inbound[0], table.Inbound[0] with { RateLimit = null }] },
            "caller service without namespace" => table.WithInbound(0, c => c with { Service = "lattice-gateway" }),
            "caller per-replica limit not divided" => table.WithInbound(0, c => c with { RateLimit = limit with { PerReplicaRequestsPerInterval = limit.RequestsPerInterval } }),
            "caller per-replica burst not divided" => table.WithInbound(0, c => c with { RateLimit = limit with { PerReplicaBurst = limit.Burst } }),
            "caller limit over 0 seconds" => table.WithInbound(0, c => c with { RateLimit = limit with { IntervalSeconds = 0 } }),
            "caller limit of 0 requests" => table.WithInbound(0, c => c with { RateLimit = RateLimitPolicy.Divide(0, 60, 100, SonarrTable.Replicas) }),
            "caller limit divided by 0 replicas" => table.WithInbound(0, c => c with { RateLimit = limit with { Replicas = 0 } }),
            "caller port not among the ports" => table.WithInbound(0, c => c with { Port = 1234 }),
            "destination service without namespace" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Service = "nzbget" }),
            "destination spiffe id that is not one" => table.WithOutbound(SonarrTable.Nzbget, d => d with { SpiffeId = "spiffe://lattice.local/media/nzbget" }),
            "attempts 0" => table.WithNzbgetRetries(r => r with { Attempts = 0 }),
            "attempts 11" => table.WithNzbgetRetries(r => r with { Attempts = 11 }),
            "zero per-try timeout" => table.WithNzbgetRetries(r => r with { PerTryTimeout = TimeSpan.Zero }),
            "negative per-try timeout" => table.WithNzbgetRetries(r => r with { PerTryTimeout = TimeSpan.FromSeconds(-1) }),
            "empty retryOn" => table.WithNzbgetRetries(r => r with { RetryOn = [] }),
            "retryOn listing 5xx twice" => table.WithNzbgetRetries(r => r with { RetryOn = [RetryCondition.ServerError, RetryCondition.ServerError] }),
            "retryOn an undefined condition" => table.WithNzbgetRetries(r => r with { RetryOn = [RetryCondition.ServerError, (RetryCondition)42] }),
            "zero request timeout" => table.WithOutbound(SonarrTable.Jellyfin, d => d with { Timeout = new TimeoutPolicy { Request = TimeSpan.Zero } }),
            "zero idle timeout" => table.WithOutbound(SonarrTable.Jellyfin, d => d with { Timeout = new TimeoutPolicy { Idle = TimeSpan.Zero } }),
            "empty hosts" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Hosts = [] }),
            "host in upper case" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Hosts = d.Hosts.SetItem(0, "NZBGET") }),
            "host shared by two destinations" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Hosts = d.Hosts.Add("jellyfin") }),
            "host shared by a destination and a denied one" => table with { Denied = [table.Denied[0] with { Hosts = table.Denied[0].Hosts.Add("nzbget:6789") }] },
            "no destination ports" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Ports = [] }),
            "destination port 0" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Ports = [0] }),
            "address without port" => table.WithOutbound(SonarrTable.Nzbget, d => d with { Address = "nzbget.media.svc.cluster.local" }),
            "denied with no reason" => table with { Denied = [table.Denied[0] with { Reason = " " }] },
            "denied with no hosts" => table with { Denied = [table.Denied[0] with { Hosts = [] }] },
            "external endpoint over ftp" => table with { External = [table.External[0] with { Endpoints = [table.External[0].Endpoints[0] with { Url = new Uri("ftp://api4.thetvdb.com/v4") }] }] },
            "external endpoint relative" => table with { External = [table.External[0] with { Endpoints = [table.External[0].Endpoints[0] with { Url = new Uri("/v4", UriKind.Relative) }] }] },
            "external with no endpoints" => table with { External = [table.External[0] with { Endpoints = [] }] },
            "ingress with no hosts" => table with { Ingress = ingress with { Hosts = [] } },
            "ingress host with a port" => table with { Ingress = ingress with { Hosts = ["sonarr.home.local:443"] } },
            "ingress port 0" => table with { Ingress = ingress with { Port = 0 } },
            "ingress with no secret" => table with { Ingress = ingress with { Tls = ingress.Tls with { SecretName = string.Empty } } },
            "ingress tls mode undefined" => table with { Ingress = ingress with { Tls = ingress.Tls with { Mode = (IngressTlsMode)5 } } },
            "ingress per-replica limit not divided" => table with { Ingress = ingress with { RateLimit = limit with { PerReplicaRequestsPerInterval = 1 } } },
            "claim name in upper case" => table with { Volumes = [table.Volumes[0] with { ClaimName = "NZBGET-downloads" }] },
            "mount at a relative path" => table with { Volumes = [table.Volumes[0] with { Mounts = [table.Volumes[0].Mounts[0] with { MountPath = "downloads" }] }] },
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "no such rule"),
        };
    }
}
