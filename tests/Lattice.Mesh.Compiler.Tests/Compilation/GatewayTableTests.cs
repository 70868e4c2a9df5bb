using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;
using static Lattice.Mesh.Compiler.Tests.Build;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

/// <summary>The gateway's route table: every compiled service's ingress hosts, and nothing else.</summary>
public sealed class GatewayTableTests
{
    private static readonly ServiceId Sonarr = new("media", "sonarr");
    private static readonly ServiceId Jellyfin = new("media", "jellyfin");

    [Fact]
    public void MediaServer_GatewayServesJellyfinAndSonarr_AtTheirSidecars_WithTheirIdentities()
    {
        var mesh = CompileMediaServer();

        var table = mesh.GatewayTable;
        Assert.NotNull(table);
        Assert.Equal(("lattice-system", "lattice-gateway", "spiffe://lattice.local/ns/lattice-system/sa/lattice-gateway"), (table.Service.Namespace, table.Service.Name, table.Service.SpiffeId));
        Assert.Collection(
            table.Gateway,
            jellyfin =>
            {
                Assert.Equal(("jellyfin.home.local", "media/jellyfin"), (jellyfin.Host, jellyfin.Service));
                Assert.Equal("jellyfin.media.svc.cluster.local:15006", jellyfin.Address);
                Assert.Equal("spiffe://lattice.local/ns/media/sa/jellyfin", jellyfin.SpiffeId);
                Assert.Equal(8096, jellyfin.Port);
                Assert.Equal(new IngressTls { Mode = IngressTlsMode.Auto, SecretName = "jellyfin-tls" }, jellyfin.Tls);
                Assert.Null(jellyfin.RateLimit);
            },
            sonarr =>
            {
                Assert.Equal(("sonarr.home.local", "media/sonarr"), (sonarr.Host, sonarr.Service));
                Assert.Equal("sonarr.media.svc.cluster.local:15006", sonarr.Address);
                Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", sonarr.SpiffeId);
                Assert.Equal(8989, sonarr.Port);
                Assert.Equal(new IngressTls { Mode = IngressTlsMode.Auto, SecretName = "sonarr-tls" }, sonarr.Tls);
                Assert.Null(sonarr.RateLimit);
            });
    }

    [Fact]
    public void MediaServer_GatewayTable_IsNoMeshCaller_AndPassesTheValidator()
    {
        var table = CompileMediaServer().GatewayTable!;

        Assert.Empty(table.Inbound);
        Assert.Empty(table.Outbound);
        Assert.Empty(table.Denied);
        Assert.Empty(table.External);
        Assert.Empty(table.Ports);
        Assert.Empty(table.Volumes);
        Assert.Null(table.Ingress);
        Assert.Equal(1, table.Replicas);
        Assert.Equal(RouteTableRevision.Compute(table), table.Revision);
        Assert.Empty(RouteTableValidator.Validate(table));
    }

    [Fact]
    public void MediaServer_EachHost_AgreesWithTheServicesOwnTable_AndTheAddressItsCallersUse()
    {
        var mesh = CompileMediaServer();

        foreach (var host in mesh.GatewayTable!.Gateway)
        {
            Assert.True(ServiceId.TryParse(host.Service, out var id));
            var own = mesh.RouteTables[id];
            Assert.Contains(host.Host, own.Ingress!.Hosts);
            Assert.Equal((own.Ingress.Port, own.Ingress.Tls, own.Service.SpiffeId), (host.Port, host.Tls, host.SpiffeId));
            // The gateway's requests go to the ingress port, whatever port the client's Host names.
            Assert.Equal(own.Ingress.Port, Assert.Single(own.Inbound, c => c.Service == "lattice-system/lattice-gateway").Port);
        }

        var sonarrToJellyfin = Assert.Single(mesh.RouteTables[Sonarr].Outbound, d => d.Service == "media/jellyfin");
        Assert.Equal(sonarrToJellyfin.Address, Assert.Single(mesh.GatewayTable.Gateway, h => h.Service == "media/jellyfin").Address);
    }

    [Fact]
    public void MediaServer_SidecarTables_CarryNoGatewayHosts()
    {
        Assert.All(CompileMediaServer().RouteTables.Values, table => Assert.Empty(table.Gateway));
    }

    [Fact]
    public void IsNull_WhenNoServiceDeclaresIngress()
    {
        var mesh = MeshCompiler.Compile([Service("media", "nzbget"), Service("media", "sonarr")]);

        Assert.Null(mesh.GatewayTable);
        Assert.Equal(2, mesh.RouteTables.Count);
    }

    [Fact]
    public void ListsOneEntryPerHost_LowerCase_SortedByHostAcrossServices()
    {
        var mesh = MeshCompiler.Compile([
            WithIngress(Service("media", "sonarr"), ["TV.home.local", "sonarr.home.local", "tv.home.local"]),
            WithIngress(Service("media", "jellyfin"), ["watch.home.local", "jellyfin.home.local"]),
            Service("media", "nzbget")]);

        var table = mesh.GatewayTable!;
        Assert.Equal(
            [("jellyfin.home.local", "media/jellyfin"), ("sonarr.home.local", "media/sonarr"), ("tv.home.local", "media/sonarr"), ("watch.home.local", "media/jellyfin")],
            table.Gateway.Select(h => (h.Host, h.Service)));
        Assert.Empty(RouteTableValidator.Validate(table));
    }

    [Fact]
    public void TakesTheGatewaysIdentity_TrustDomainAndAddresses_FromTheOptions()
    {
        var options = new CompilerOptions
        {
            Gateway = new ServiceId("edge", "edge-gateway"),
            TrustDomain = "home.arpa",
            AddressOf = id => id == Sonarr ? "127.0.0.1:41234" : "127.0.0.1:1",
        };

        var mesh = MeshCompiler.Compile([WithIngress(Service("media", "sonarr"), ["sonarr.home.local"])], options);

        var table = mesh.GatewayTable!;
        Assert.Equal(("edge", "edge-gateway", "spiffe://home.arpa/ns/edge/sa/edge-gateway"), (table.Service.Namespace, table.Service.Name, table.Service.SpiffeId));
        var host = Assert.Single(table.Gateway);
        Assert.Equal(("127.0.0.1:41234", "spiffe://home.arpa/ns/media/sa/sonarr"), (host.Address, host.SpiffeId));
        Assert.Equal("edge/edge-gateway", Assert.Single(mesh.RouteTables[Sonarr].Inbound).Service);
        Assert.Empty(RouteTableValidator.Validate(table));
    }

    [Fact]
    public void CarriesManualTls_AndTheNamedPort()
    {
        var web = Service("apps", "web");
        web = web with
        {
            Spec = web.Spec with
            {
                Ports = new Dictionary<string, PortSpec> { ["api"] = new(8080, 8081, "TCP"), ["ui"] = new(9090, 9091, "TCP") },
                Ingress = new IngressSpec { Hosts = ["web.home.local"], TlsMode = IngressTlsMode.Manual, SecretName = "web-cert", Port = "ui" },
            },
        };

        var host = Assert.Single(MeshCompiler.Compile([web]).GatewayTable!.Gateway);

        Assert.Equal(new IngressTls { Mode = IngressTlsMode.Manual, SecretName = "web-cert" }, host.Tls);
        Assert.Equal(9090, host.Port);
    }

    [Theory]
    [InlineData(null, 1, 10)]
    [InlineData(1, 1, 10)]
    [InlineData(3, 3, 4)]
    public void RateLimit_IsTheIngressLimit_DividedByTheGatewaysReplicas(int? observed, int replicas, int perReplica)
    {
        var sonarr = Service("media", "sonarr");
        sonarr = sonarr with
        {
            Spec = sonarr.Spec with
            {
                Replicas = new ReplicaSpec(2, null),
                Ingress = new IngressSpec { Hosts = ["sonarr.home.local"], TlsMode = IngressTlsMode.Auto, RateLimit = new RateLimitSpec(10, 60, 20) },
            },
        };
        var options = observed is { } count ? new CompilerOptions { ObservedReplicas = new Dictionary<ServiceId, int> { [CompilerOptions.DefaultGateway] = count } } : null;

        var table = MeshCompiler.Compile([sonarr], options).GatewayTable!;

        var limit = Assert.Single(table.Gateway).RateLimit;
        Assert.NotNull(limit);
        Assert.Equal((10, 60, 20), (limit.RequestsPerInterval, limit.IntervalSeconds, limit.Burst));
        Assert.Equal((replicas, replicas, perReplica), (table.Replicas, limit.Replicas, limit.PerReplicaRequestsPerInterval));
        Assert.Empty(RouteTableValidator.Validate(table));
    }

    [Fact]
    public void AHostClaimedByTwoServices_IsReportedOnBoth_AndServedForNeither_WhileOthersAreServed()
    {
        var mesh = MeshCompiler.Compile([
            WithIngress(Service("apps", "one"), ["shared.home.local", "one.home.local"]),
            WithIngress(Service("apps", "two"), ["Shared.Home.Local"]),
            WithIngress(Service("apps", "three"), ["three.home.local"])]);

        var errors = mesh.Diagnostics.Where(d => d.Id == DiagnosticIds.DuplicateIngressHost).ToList();
        Assert.Equal(["LatticeService apps/one", "LatticeService apps/two"], errors.Select(e => e.Resource).Order(StringComparer.Ordinal));
        Assert.All(errors, e =>
        {
            Assert.Equal(Severity.Error, e.Severity);
            Assert.Equal("spec.ingress.hosts", e.Field);
            Assert.Contains("apps/one and apps/two", e.Message, StringComparison.Ordinal);
            Assert.Contains("remove it from the others' ingress.hosts", e.Fix, StringComparison.Ordinal);
            Assert.Contains("gateway serves it for none of them", e.Fix, StringComparison.Ordinal);
        });
        var table = mesh.GatewayTable!;
        Assert.Equal(["three.home.local"], table.Gateway.Select(h => h.Host));
        Assert.Empty(RouteTableValidator.Validate(table));
    }

    [Fact]
    public void AServiceWithABadIngress_IsLeftOut_AndBreaksNoOther()
    {
        var broken = WithIngress(Service("media", "sonarr"), ["sonarr.home.local"]);
        broken = broken with { Spec = broken.Spec with { Ingress = broken.Spec.Ingress! with { Port = "web" } } };

        var mesh = MeshCompiler.Compile([broken, WithIngress(Service("media", "jellyfin"), ["jellyfin.home.local"])]);

        Assert.Contains(mesh.Diagnostics, d => d.Id == DiagnosticIds.IngressPortAmbiguous && d.Resource == "LatticeService media/sonarr");
        Assert.Contains(Sonarr, mesh.Failed);
        var host = Assert.Single(mesh.GatewayTable!.Gateway);
        Assert.Equal(("jellyfin.home.local", "media/jellyfin"), (host.Host, host.Service));
        Assert.True(mesh.RouteTables.ContainsKey(Jellyfin));
    }

    [Fact]
    public void IsAnEmptyTable_NotNull_WhenEveryServiceWithIngressFailed()
    {
        var broken = WithIngress(Service("media", "sonarr"), ["sonarr.home.local"]);
        broken = broken with { Spec = broken.Spec with { Ingress = broken.Spec.Ingress! with { Port = "web" } } };

        var table = MeshCompiler.Compile([broken, Service("media", "nzbget")]).GatewayTable;

        Assert.NotNull(table);
        Assert.Empty(table.Gateway);
        Assert.Empty(RouteTableValidator.Validate(table));
    }

    [Fact]
    public void Revision_DependsOnlyOnContent()
    {
        MeshCompilation Compile(params LatticeService[] services) => MeshCompiler.Compile(services);
        var sonarr = WithIngress(Service("media", "sonarr"), ["sonarr.home.local"]);
        var jellyfin = WithIngress(Service("media", "jellyfin"), ["jellyfin.home.local"]);

        var first = Compile(sonarr, jellyfin).GatewayTable!;
        var reordered = Compile(jellyfin, sonarr).GatewayTable!;
        var changed = Compile(sonarr, WithIngress(Service("media", "jellyfin"), ["watch.home.local"])).GatewayTable!;

        Assert.Equal(first, reordered);
        Assert.Equal(first.Revision, reordered.Revision);
        Assert.NotEqual(first.Revision, changed.Revision);
    }

    private static MeshCompilation CompileMediaServer()
    {
        var manifests = ManifestLoader.Load(Repository.MediaServer);
        Assert.False(manifests.HasErrors, string.Join(Environment.NewLine, manifests.Diagnostics));
        var mesh = MeshCompiler.Compile(manifests.Services);
        Assert.False(mesh.HasErrors, string.Join(Environment.NewLine, mesh.Diagnostics));
        return mesh;
    }

    private static LatticeService WithIngress(LatticeService service, string[] hosts) =>
        service with { Spec = service.Spec with { Ingress = new IngressSpec { Hosts = hosts, TlsMode = IngressTlsMode.Auto } } };
}
