using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>The gateway's table conversion: by host, validated whole, clients kept across tables while their sidecar and identity are unchanged.</summary>
public sealed class GatewayRoutesTests : IDisposable
{
    private readonly MeshCertificateStore _store = new(MeshCertificateOptions.InFolder("/nonexistent"), NullLogger<MeshCertificateStore>.Instance);
    private readonly GatewayClientFactory _factory;

    public GatewayRoutesTests() => _factory = new GatewayClientFactory(_store, TimeSpan.FromSeconds(5), 1024, NullLogger<ForwarderHttpClientFactory>.Instance);

    public void Dispose() => _store.Dispose();

    [Fact]
    public void KeepsAClient_WhileItsSidecarAndIdentityAreUnchanged()
    {
        Assert.True(GatewayRoutes.TryBuild(Table(("jellyfin.home.local", "jellyfin.media:15006"), ("sonarr.home.local", "sonarr.media:15006")), null, _factory, out var first, out var failure), failure);
        Assert.True(GatewayRoutes.TryBuild(Table(("jellyfin.home.local", "jellyfin.media:15006"), ("sonarr.home.local", "sonarr-2.media:15006")), first, _factory, out var second, out failure), failure);

        Assert.Same(first.ByHost["jellyfin.home.local"].Client, second.ByHost["jellyfin.home.local"].Client);
        Assert.NotSame(first.ByHost["sonarr.home.local"].Client, second.ByHost["sonarr.home.local"].Client);
        Assert.Equal("https://sonarr-2.media:15006", second.ByHost["sonarr.home.local"].Prefix);
    }

    [Fact]
    public void RefusesAnInvalidTable_NamingEveryError()
    {
        var table = Table(("jellyfin.home.local", "no port"), ("sonarr.home.local", "also bad"));

        Assert.False(GatewayRoutes.TryBuild(table, null, _factory, out _, out var failure));

        Assert.Contains("gateway[0].address", failure, StringComparison.Ordinal);
        Assert.Contains("gateway[1].address", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Jellyfin.Home.Local", "jellyfin.home.local")]
    [InlineData("jellyfin.home.local.", "jellyfin.home.local")]
    public void Normalizes_CaseAndATrailingDot(string host, string expected) => Assert.Equal(expected, GatewayRoutes.Normalize(host));

    [Fact]
    public async Task Start_RefusesBadOptions_NamingEveryProblem()
    {
        var options = new GatewayOptions
        {
            HttpPort = -1,
            BindAddress = "localhost",
            IdleTimeout = TimeSpan.Zero,
            MaxSidecarConnections = 0,
            Certificates = new GatewayCertificateOptions { Folder = "/nonexistent" },
            MeshCertificates = MeshCertificateOptions.InFolder("/nonexistent"),
        };

        var failure = await Assert.ThrowsAsync<ArgumentException>(() => GatewayServer.StartAsync(options, _ => { }, Ct));

        Assert.Contains("HttpPort -1", failure.Message, StringComparison.Ordinal);
        Assert.Contains("BindAddress 'localhost'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("IdleTimeout", failure.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSidecarConnections 0 must be above 0", failure.Message, StringComparison.Ordinal);
    }

    private static RouteTable.RouteTable Table(params (string Host, string Address)[] hosts)
    {
        var gatewayId = SpiffeId.For(SpiffeId.DefaultTrustDomain, "lattice-system", "lattice-gateway");
        return RouteTableRevision.Stamp(new RouteTable.RouteTable
        {
            ApiVersion = RouteTable.RouteTable.CurrentApiVersion,
            Revision = string.Empty,
            Service = new WorkloadIdentity { Namespace = "lattice-system", Name = "lattice-gateway", SpiffeId = gatewayId },
            Replicas = 1,
            Ports = [],
            Inbound = [],
            Outbound = [],
            Denied = [],
            External = [],
            Volumes = [],
            Gateway =
            [
                .. hosts.Select(h => new GatewayHost
                {
                    Host = h.Host,
                    Service = $"media/{h.Host.Split('.')[0]}",
                    Address = h.Address,
                    SpiffeId = SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", h.Host.Split('.')[0]),
                    Port = 8096,
                    Tls = new IngressTls { Mode = IngressTlsMode.Auto, SecretName = $"{h.Host.Split('.')[0]}-tls" },
                }),
            ],
        });
    }
}
