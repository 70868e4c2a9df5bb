using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

/// <summary>The user's acceptance test: every agreement and every row of the L7 table in seed/media-server.md.</summary>
public sealed class SeedAgreementTests
{
    private static readonly ServiceId Sonarr = new("media", "sonarr");
    private static readonly ServiceId Nzbget = new("media", "nzbget");
    private static readonly ServiceId Jellyfin = new("media", "jellyfin");

    private readonly MeshCompilation _mesh;

    public SeedAgreementTests()
    {
        var manifests = ManifestLoader.Load(Repository.MediaServer);
        Assert.False(manifests.HasErrors, string.Join(Environment.NewLine, manifests.Diagnostics));
        _mesh = MeshCompiler.Compile(manifests.Services);
        Assert.False(_mesh.HasErrors, string.Join(Environment.NewLine, _mesh.Diagnostics));
    }

    [Fact]
    public void SonarrToNzbget_IsAllowed() => Assert.True(_mesh.Graph.Explain(Sonarr, Nzbget).Allowed);

    [Fact]
    public void SonarrToJellyfin_IsAllowed() => Assert.True(_mesh.Graph.Explain(Sonarr, Jellyfin).Allowed);

    [Fact]
    public void NzbgetToSonarr_IsDenied_BecauseNzbgetDeclaresNoOutbound()
    {
        var decision = _mesh.Graph.Explain(Nzbget, Sonarr);
        Assert.False(decision.Allowed);
        Assert.Contains("nzbget declares no outbound to sonarr", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void JellyfinToNzbget_IsDenied_BecauseThereIsNoAgreementAtAll()
    {
        var decision = _mesh.Graph.Explain(Jellyfin, Nzbget);
        Assert.False(decision.Allowed);
        Assert.Equal("jellyfin declares no outbound to nzbget and nzbget declares no inbound from jellyfin", decision.Reason);
        Assert.Contains("add resources.nzbget {type: service, direction: outbound} to media/jellyfin", decision.Fix, StringComparison.Ordinal);
        Assert.Contains("add resources.jellyfin {type: service, direction: inbound} to media/nzbget", decision.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSeed_HasExactlyTwoAgreements_AndNothingPending()
    {
        Assert.Equal([(Sonarr, Jellyfin), (Sonarr, Nzbget)], _mesh.Graph.Agreements.Select(a => (a.Caller, a.Callee)));
        Assert.Empty(_mesh.Graph.Pending);
    }

    [Fact]
    public void SonarrToNzbget_Retries3Attempts_On5xxAndConnectFailure_10sPerTry_30sInAll()
    {
        var nzbget = Outbound(Sonarr, Nzbget);
        Assert.NotNull(nzbget.Retries);
        Assert.Equal(3, nzbget.Retries.Attempts);
        Assert.Equal([RetryCondition.ServerError, RetryCondition.ConnectFailure], nzbget.Retries.RetryOn);
        Assert.Equal(TimeSpan.FromSeconds(10), nzbget.Retries.PerTryTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), nzbget.Timeout?.Request);
    }

    [Fact]
    public void SonarrToJellyfin_HasNoRetries_And60sTimeout()
    {
        var jellyfin = Outbound(Sonarr, Jellyfin);
        Assert.Null(jellyfin.Retries);
        Assert.Equal(TimeSpan.FromSeconds(60), jellyfin.Timeout?.Request);
    }

    [Fact]
    public void IntoNzbget_1000RequestsAMinute()
    {
        var limit = Caller(Nzbget, Sonarr).RateLimit;
        Assert.NotNull(limit);
        Assert.Equal((1000, 60), (limit.RequestsPerInterval, limit.IntervalSeconds));
        Assert.Equal(1000, limit.PerReplicaRequestsPerInterval);
    }

    [Fact]
    public void IntoJellyfin_100RequestsAMinute()
    {
        var limit = Caller(Jellyfin, Sonarr).RateLimit;
        Assert.NotNull(limit);
        Assert.Equal((100, 60), (limit.RequestsPerInterval, limit.IntervalSeconds));
    }

    [Fact]
    public void NzbgetAndJellyfin_AdmitOnlySonarrAmongServices_AndSonarrAdmitsNoService()
    {
        Assert.Equal(["media/sonarr"], Table(Nzbget).Inbound.Select(c => c.Service));
        Assert.Equal(["lattice-system/lattice-gateway", "media/sonarr"], Table(Jellyfin).Inbound.Select(c => c.Service));
        Assert.Equal(["lattice-system/lattice-gateway"], Table(Sonarr).Inbound.Select(c => c.Service));
    }

    [Fact]
    public void NzbgetAndJellyfin_MayCallNothing()
    {
        Assert.Empty(Table(Nzbget).Outbound);
        Assert.Empty(Table(Jellyfin).Outbound);
    }

    [Fact]
    public void Sonarr_MountsTheClaimsThatNzbgetAndJellyfinOwn_WithoutCopies()
    {
        var volumes = Table(Sonarr).Volumes.ToDictionary(v => v.Resource);
        Assert.Equal("nzbget-downloads", volumes["downloads"].ClaimName);
        Assert.Equal("media/nzbget", volumes["downloads"].Owner);
        Assert.Equal(("500Gi", "ReadWriteMany"), (volumes["downloads"].Size, volumes["downloads"].AccessMode));
        Assert.Equal("jellyfin-media", volumes["media"].ClaimName);
        Assert.Equal(("1Ti", "ReadWriteMany"), (volumes["media"].Size, volumes["media"].AccessMode));
        Assert.Equal("sonarr-config", volumes["config"].ClaimName);

        // One claim per owned volume in the whole mesh: the references add none.
        var claims = _mesh.RouteTables.Values.SelectMany(t => t.Volumes).Select(v => v.ClaimName).Distinct().Order();
        Assert.Equal(["jellyfin-config", "jellyfin-media", "nzbget-config", "nzbget-downloads", "sonarr-config"], claims);
    }

    [Fact]
    public void Ingress_ServesJellyfinAndSonarrHosts()
    {
        Assert.Equal(["jellyfin.home.local"], Table(Jellyfin).Ingress?.Hosts);
        Assert.Equal(8096, Table(Jellyfin).Ingress?.Port);
        Assert.Equal(["sonarr.home.local"], Table(Sonarr).Ingress?.Hosts);
        Assert.Null(Table(Nzbget).Ingress);
    }

    [Fact]
    public void Sonarr_ReachesItsIndexersOutsideTheMesh()
    {
        var external = Assert.Single(Table(Sonarr).External);
        Assert.Equal("sonarr-indexers", external.Name);
        Assert.Equal(new Uri("https://api.nzbgeek.info"), Assert.Single(external.Endpoints).Url);
    }

    private RouteTable.RouteTable Table(ServiceId id) => _mesh.RouteTables[id];

    private OutboundDestination Outbound(ServiceId caller, ServiceId callee) =>
        Assert.Single(Table(caller).Outbound, d => d.Service == callee.ToString());

    private InboundCaller Caller(ServiceId callee, ServiceId caller) =>
        Assert.Single(Table(callee).Inbound, c => c.Service == caller.ToString());
}
