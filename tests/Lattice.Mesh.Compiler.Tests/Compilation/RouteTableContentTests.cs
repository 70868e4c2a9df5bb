using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;
using static Lattice.Mesh.Compiler.Tests.Build;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

public sealed class RouteTableContentTests
{
    private static readonly ServiceId Sonarr = new("media", "sonarr");
    private static readonly ServiceId Nzbget = new("media", "nzbget");

    [Fact]
    public void Identity_IsTheSpiffeIdOfTheServiceAccount_InTheConfiguredTrustDomain()
    {
        var table = MeshCompiler.Compile([Service("media", "sonarr")], new CompilerOptions { TrustDomain = "home.arpa" }).RouteTables[Sonarr];

        Assert.Equal("spiffe://home.arpa/ns/media/sa/sonarr", table.Service.SpiffeId);
    }

    [Fact]
    public void Outbound_ListsEveryHostNameClusterDnsResolves_WithAndWithoutPort()
    {
        var destination = Assert.Single(Pair().RouteTables[Sonarr].Outbound);

        Assert.Equal(
            ["nzbget", "nzbget:8080", "nzbget.media", "nzbget.media:8080", "nzbget.media.svc", "nzbget.media.svc:8080", "nzbget.media.svc.cluster.local", "nzbget.media.svc.cluster.local:8080"],
            destination.Hosts);
        Assert.Equal([8080], destination.Ports);
        Assert.Equal("spiffe://lattice.local/ns/media/sa/nzbget", destination.SpiffeId);
        Assert.Equal("nzbget.media.svc.cluster.local:15006", destination.Address);
    }

    [Fact]
    public void Outbound_AcrossNamespaces_OmitsTheShortName_WhichWouldResolveInTheCallersNamespace()
    {
        var mesh = MeshCompiler.Compile([
            Service("frontend", "web", Dependency("api", Direction.Outbound, ns: "backend")),
            Service("backend", "api", Dependency("web", Direction.Inbound, ns: "frontend"))]);

        var hosts = Assert.Single(mesh.RouteTables[new("frontend", "web")].Outbound).Hosts;
        Assert.DoesNotContain("api", hosts);
        Assert.Contains("api.backend", hosts);
    }

    [Fact]
    public void Address_ComesFromTheOptions_ForTheLocalMeshAndTests()
    {
        var mesh = Pair(new CompilerOptions { AddressOf = id => id == Nzbget ? "127.0.0.1:41234" : "127.0.0.1:1" });

        Assert.Equal("127.0.0.1:41234", Assert.Single(mesh.RouteTables[Sonarr].Outbound).Address);
    }

    [Theory]
    [InlineData(1, 1000, 1000)]
    [InlineData(2, 1000, 500)]
    [InlineData(3, 1000, 334)]
    [InlineData(7, 100, 15)]
    public void RateLimit_IsDividedAcrossReplicas_SoTheServiceKeepsTheDeclaredLimit(int replicas, int limit, int perReplica)
    {
        var callee = Service("media", "nzbget", Dependency("sonarr", Direction.Inbound, rateLimit: new RateLimitSpec(limit, 60, null)));
        callee = callee with { Spec = callee.Spec with { Replicas = new ReplicaSpec(replicas, null) } };

        var table = MeshCompiler.Compile([Service("media", "sonarr", Dependency("nzbget", Direction.Outbound)), callee]).RouteTables[Nzbget];

        var rateLimit = Assert.Single(table.Inbound).RateLimit;
        Assert.NotNull(rateLimit);
        Assert.Equal((limit, replicas, perReplica), (rateLimit.RequestsPerInterval, rateLimit.Replicas, rateLimit.PerReplicaRequestsPerInterval));
        Assert.Equal(replicas, table.Replicas);
        Assert.True(perReplica * replicas >= limit && (perReplica - 1) * replicas < limit);
    }

    [Fact]
    public void RateLimit_UsesObservedReplicas_WhenTheControllerKnowsThem()
    {
        var options = new CompilerOptions { ObservedReplicas = new Dictionary<ServiceId, int> { [Nzbget] = 4 } };

        var limit = Assert.Single(Pair(options).RouteTables[Nzbget].Inbound).RateLimit;

        Assert.Equal((4, 250), (limit!.Replicas, limit.PerReplicaRequestsPerInterval));
    }

    [Fact]
    public void PendingOutbound_IsInTheCallersTable_AsDenied_WithItsReason()
    {
        var mesh = MeshCompiler.Compile([Service("media", "sonarr", Dependency("nzbget", Direction.Outbound)), Service("media", "nzbget")]);

        var table = mesh.RouteTables[Sonarr];
        Assert.Empty(table.Outbound);
        var denied = Assert.Single(table.Denied);
        Assert.Equal("media/nzbget", denied.Service);
        Assert.Contains("nzbget:8080", denied.Hosts);
        Assert.Equal("nzbget declares no inbound from sonarr", denied.Reason);
        Assert.Equal("add resources.sonarr {type: service, direction: inbound} to media/nzbget", denied.Fix);
        Assert.Empty(mesh.RouteTables[Nzbget].Inbound);
    }

    [Fact]
    public void Ingress_AdmitsTheGateway_WithTheIngressRateLimit_AndNoOneElse()
    {
        var web = Service("apps", "web") with { };
        web = web with
        {
            Spec = web.Spec with
            {
                Ingress = new IngressSpec { Hosts = ["Web.Home.Local"], TlsMode = IngressTlsMode.Auto, RateLimit = new RateLimitSpec(10, 1, 20) },
            },
        };

        var table = MeshCompiler.Compile([web]).RouteTables[new("apps", "web")];

        var gateway = Assert.Single(table.Inbound);
        Assert.Equal("lattice-system/lattice-gateway", gateway.Service);
        Assert.Equal("spiffe://lattice.local/ns/lattice-system/sa/lattice-gateway", gateway.SpiffeId);
        Assert.Equal((10, 20), (gateway.RateLimit!.RequestsPerInterval, gateway.RateLimit.Burst));
        Assert.Equal(["web.home.local"], table.Ingress!.Hosts);
        Assert.Equal("web-tls", table.Ingress.Tls.SecretName);
        Assert.Equal(8080, table.Ingress.Port);
    }

    [Fact]
    public void Ingress_WithSeveralPortsAndNoneNamedHttp_IsAnError_ThatListsThePorts()
    {
        var web = Service("apps", "web");
        web = web with
        {
            Spec = web.Spec with
            {
                Ports = new Dictionary<string, PortSpec> { ["api"] = new(8080, 8080, "TCP"), ["admin"] = new(9090, 9090, "TCP") },
                Ingress = new IngressSpec { Hosts = ["web.home.local"], TlsMode = IngressTlsMode.Auto },
            },
        };

        var mesh = MeshCompiler.Compile([web, Service("apps", "other")]);

        var error = Assert.Single(mesh.Diagnostics, d => d.Id == DiagnosticIds.IngressPortAmbiguous);
        Assert.Equal("spec.ingress", error.Field);
        Assert.Equal("add ingress.port: one of admin, api", error.Fix);
        Assert.False(mesh.RouteTables.ContainsKey(new("apps", "web")));
        Assert.True(mesh.RouteTables.ContainsKey(new("apps", "other")));
    }

    [Fact]
    public void IngressHost_ClaimedByTwoServices_FailsBoth_AndNamesThem()
    {
        LatticeService WithHost(string name)
        {
            var service = Service("apps", name);
            return service with { Spec = service.Spec with { Ingress = new IngressSpec { Hosts = ["shared.home.local"], TlsMode = IngressTlsMode.Auto } } };
        }

        var mesh = MeshCompiler.Compile([WithHost("one"), WithHost("two")]);

        var errors = mesh.Diagnostics.Where(d => d.Id == DiagnosticIds.DuplicateIngressHost).ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("apps/one and apps/two", e.Message, StringComparison.Ordinal));
        Assert.Empty(mesh.RouteTables);
    }

    [Fact]
    public void EveryCompiledTable_PassesTheSidecarsValidator()
    {
        var mesh = Pair();

        Assert.All(mesh.RouteTables.Values, table => Assert.Empty(RouteTableValidator.Validate(table)));
    }

    private static MeshCompilation Pair(CompilerOptions? options = null) => MeshCompiler.Compile(
        [
            Service("media", "sonarr", Dependency("nzbget", Direction.Outbound)),
            Service("media", "nzbget", Dependency("sonarr", Direction.Inbound, rateLimit: new RateLimitSpec(1000, 60, null))),
        ],
        options);
}
