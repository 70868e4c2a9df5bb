using System.Net;
using System.Security.Authentication;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>The inbound listener trusts only what mutual TLS proves.</summary>
public sealed class IdentityTests : IAsyncLifetime
{
    private MediaMesh _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MediaMesh.StartAsync();

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task CallerWithAMeshCertificateForAnIdentityNotAllowed_Gets403_WithTheReason()
    {
        using var client = _mesh.Pki.InboundClient("spiffe://lattice.local/ns/media/sa/jellyfin", "spiffe://lattice.local/ns/media/sa/nzbget");

        using var response = await client.GetAsync(Inbound("nzbget"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("nzbget has no inbound agreement with jellyfin", Assert.Single(response.Headers.GetValues("x-lattice-deny-reason")));
        Assert.Empty(_mesh.Apps["nzbget"].Received);
    }

    [Fact]
    public async Task CallerWithTheRightIdentity_ReachesTheApp()
    {
        using var client = _mesh.Pki.InboundClient("spiffe://lattice.local/ns/media/sa/sonarr", "spiffe://lattice.local/ns/media/sa/nzbget");

        using var response = await client.GetAsync(Inbound("nzbget"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ClientWithoutACertificate_CannotConnect()
    {
        using var client = _mesh.Pki.InboundClient(callerSpiffeId: null, "spiffe://lattice.local/ns/media/sa/nzbget");

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(Inbound("nzbget"), Ct));

        Assert.True(failure is HttpRequestException or AuthenticationException or IOException, failure.ToString());
        Assert.Empty(_mesh.Apps["nzbget"].Received);
    }

    [Fact]
    public async Task ClientWithACertificateFromAnotherAuthority_CannotConnect()
    {
        var stranger = Pki.Create();
        using var client = stranger.InboundClient("spiffe://lattice.local/ns/media/sa/sonarr", expectedServer: null);

        await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync(Inbound("nzbget"), Ct));

        Assert.Empty(_mesh.Apps["nzbget"].Received);
    }

    [Fact]
    public async Task SpoofedIdentityHeaders_ChangeNothing()
    {
        // Jellyfin's app claims to be Sonarr; its sidecar proves Jellyfin, so the call is still refused.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "nzbget:6789";
        request.Headers.Add("x-lattice-caller", "spiffe://lattice.local/ns/media/sa/sonarr");
        request.Headers.Add("x-forwarded-client-cert", "URI=spiffe://lattice.local/ns/media/sa/sonarr");
        using var refused = await _mesh.Sidecars["jellyfin"].App.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // And an allowed caller's app cannot pass a forged identity on to the callee's app.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "/");
        forged.Headers.Host = "nzbget:6789";
        forged.Headers.Add("x-lattice-caller", "spiffe://lattice.local/ns/kube-system/sa/admin");
        using var allowed = await _mesh.Sidecars["sonarr"].App.SendAsync(forged, Ct);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var received = Assert.Single(_mesh.Apps["nzbget"].Received);
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", received.Headers["x-lattice-caller"]);
        Assert.False(received.Headers.ContainsKey("x-forwarded-client-cert"));
    }

    private Uri Inbound(string service) => _mesh.Sidecars[service].Server.InboundUri;
}
