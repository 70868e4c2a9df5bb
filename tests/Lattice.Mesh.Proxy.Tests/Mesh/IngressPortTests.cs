using System.Net;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>
/// A service with two ports and <c>ingress.port: web</c>: what comes in from the gateway reaches the web port,
/// whatever port its Host names, while mesh callers still choose the port by their Host.
/// </summary>
public sealed class IngressPortTests : IAsyncLifetime
{
    private const string GatewayId = "spiffe://lattice.local/ns/lattice-system/sa/lattice-gateway";
    private const string SonarrId = "spiffe://lattice.local/ns/media/sa/sonarr";
    private const string JellyfinId = "spiffe://lattice.local/ns/media/sa/jellyfin";
    private readonly Pki _pki = Pki.Create();
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-ingress-port-");
    private FakeApp _api = null!;
    private FakeApp _web = null!;
    private Sidecar _jellyfin = null!;

    public async ValueTask InitializeAsync()
    {
        _api = await FakeApp.StartAsync("api");
        _web = await FakeApp.StartAsync("web");
        _jellyfin = await Sidecar.StartAsync(_folder.FullName, JellyfinId, _pki, new Dictionary<int, int> { [8096] = _api.Port, [9090] = _web.Port });
        await _jellyfin.ApplyAsync(RouteTableRevision.Stamp(new RouteTable.RouteTable
        {
            ApiVersion = RouteTable.RouteTable.CurrentApiVersion,
            Revision = string.Empty,
            Service = new WorkloadIdentity { Namespace = "media", Name = "jellyfin", SpiffeId = JellyfinId },
            Replicas = 1,
            Ports =
            [
                new ServicePort { Name = "http", Port = 8096, TargetPort = 8096, Protocol = "TCP" },
                new ServicePort { Name = "web", Port = 9090, TargetPort = 9090, Protocol = "TCP" },
            ],
            Inbound =
            [
                new InboundCaller { Service = "lattice-system/lattice-gateway", SpiffeId = GatewayId, Port = 9090 },
                new InboundCaller { Service = "media/sonarr", SpiffeId = SonarrId },
            ],
            Outbound = [],
            Denied = [],
            External = [],
            Volumes = [],
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await _jellyfin.DisposeAsync();
        await _api.DisposeAsync();
        await _web.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData("jellyfin.home.local")]
    [InlineData("jellyfin.home.local:8096")]
    public async Task TheGatewaysRequests_ReachTheIngressPort_WhateverTheHostSays(string host)
    {
        using var gateway = _pki.InboundClient(GatewayId, JellyfinId);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_jellyfin.Server.InboundUri, "/web/index.html"));
        request.Headers.Host = host;

        using var response = await gateway.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/web/index.html", Assert.Single(_web.Received).Path);
        Assert.Empty(_api.Received);
    }

    [Fact]
    public async Task AMeshCaller_StillChoosesThePortByItsHost()
    {
        using var sonarr = _pki.InboundClient(SonarrId, JellyfinId);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_jellyfin.Server.InboundUri, "/System/Info"));
        request.Headers.Host = "jellyfin:8096";

        using var response = await sonarr.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/System/Info", Assert.Single(_api.Received).Path);
        Assert.Empty(_web.Received);
    }
}
