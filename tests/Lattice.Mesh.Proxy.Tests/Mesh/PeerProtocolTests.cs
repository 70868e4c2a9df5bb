using System.Net;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Proxy.Tests.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>
/// The protocol between sidecars: HTTP/1.1 keep-alive by default, HTTP/2 with <c>PeerHttpVersion</c> 2.0, for every
/// call the app makes. Sonarr's sidecar calls a stand-in for nzbget's sidecar (mutual TLS with nzbget's certificate) that
/// reports the protocol it was called with.
/// </summary>
public sealed class PeerProtocolTests : IAsyncDisposable
{
    private const string Nzbget = "spiffe://lattice.local/ns/media/sa/nzbget";

    private readonly List<IAsyncDisposable> _owned = [];

    [Theory]
    [InlineData(null, "HTTP/1.1")]
    [InlineData("1.1", "HTTP/1.1")]
    [InlineData("2.0", "HTTP/2")]
    public async Task TheHopBetweenSidecars_UsesTheConfiguredProtocol(string? peerHttpVersion, string expected)
    {
        var (sonarr, _) = await SonarrCallingAStandInForNzbget(peerHttpVersion is null ? null : Version.Parse(peerHttpVersion));

        // Twice: the second call goes over the pooled connection the first one opened.
        for (var call = 0; call < 2; call++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api");
            request.Headers.Host = "nzbget:6789";

            using var response = await sonarr.App.SendAsync(request, Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(expected, Assert.Single(response.Headers.GetValues("x-test-protocol")));
            Assert.StartsWith("spiffe://lattice.local/ns/media/sa/sonarr ", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AStalledPeer_GetsNoMoreConnectionsThanTheCap_AndTheRequestsWaitingForOneAreServed()
    {
        const int cap = 4;
        var (sonarr, standIn) = await SonarrCallingAStandInForNzbget(peerHttpVersion: null, maxPeerConnections: cap);

        // Ten calls at once to a peer that answers none: without a cap each would open a TLS connection of its own.
        var statuses = await standIn.StallWhileAsync(calls: 10, held: cap, async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api");
            request.Headers.Host = "nzbget:6789";
            using var response = await sonarr.App.SendAsync(request, Ct);
            return response.StatusCode;
        }, Ct);

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(cap, standIn.Connections);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private async Task<(Sidecar Sonarr, MeshTestServer StandIn)> SonarrCallingAStandInForNzbget(Version? peerHttpVersion, int? maxPeerConnections = null)
    {
        var mesh = await MediaMesh.StartAsync(configure: o => o with
        {
            PeerHttpVersion = peerHttpVersion ?? o.PeerHttpVersion,
            MaxPeerConnections = maxPeerConnections ?? o.MaxPeerConnections,
        });
        _owned.Add(mesh);
        var standIn = await MeshTestServer.StartAsAsync(mesh.Pki.Authority, Nzbget);
        _owned.Add(standIn);

        var sonarr = mesh.Sidecars["sonarr"];
        var table = mesh.Compilation.RouteTables[new ServiceId("media", "sonarr")];
        var nzbget = table.Outbound.Single(d => d.Service == "media/nzbget");
        await sonarr.ApplyAsync(RouteTableRevision.Stamp(table with
        {
            Outbound = table.Outbound.Replace(nzbget, nzbget with { Address = $"127.0.0.1:{standIn.Address.Port}" }),
        }));
        return (sonarr, standIn);
    }
}
