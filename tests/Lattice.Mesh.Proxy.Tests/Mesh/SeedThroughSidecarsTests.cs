using System.Net;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>
/// seed/media-server.md enforced by real sidecars on loopback: its four agreement cases and every row of its L7
/// table, from each caller's app through its sidecar, over mutual TLS, into the callee's sidecar and app.
/// </summary>
public sealed class SeedThroughSidecarsTests : IAsyncLifetime
{
    private MediaMesh _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MediaMesh.StartAsync();

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task SonarrToNzbget_IsAllowed_AndNzbgetSeesSonarrsProvenIdentity()
    {
        using var response = await _mesh.CallAsync("sonarr", "http://nzbget:6789/api/version");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nzbget", await response.Content.ReadAsStringAsync(Ct));
        var received = Assert.Single(_mesh.Apps["nzbget"].Received);
        Assert.Equal("/api/version", received.Path);
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", received.Headers["x-lattice-caller"]);
    }

    [Fact]
    public async Task SonarrToNzbget_WorksWithTheSidecarAsAnHttpProxy()
    {
        // What an app configured with http_proxy sends: absolute-form request targets.
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(_mesh.Sidecars["sonarr"].Server.OutboundUri), UseProxy = true });

        using var allowed = await client.GetAsync("http://nzbget:6789/api?x=1", Ct);
        using var alsoAllowed = await client.GetAsync("http://jellyfin.media.svc.cluster.local:8096/", Ct);
        using var refused = await client.GetAsync("http://radarr:7878/", Ct);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("/api", _mesh.Apps["nzbget"].Received.Single().Path);
        Assert.Equal(HttpStatusCode.OK, alsoAllowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("sonarr has no outbound agreement with radarr", Assert.Single(refused.Headers.GetValues("x-lattice-deny-reason")));
    }

    [Fact]
    public async Task SonarrToJellyfin_IsAllowed_ByEveryHostNameClusterDnsWouldResolve()
    {
        foreach (var url in new[] { "http://jellyfin:8096/", "http://jellyfin.media:8096/", "http://jellyfin.media.svc.cluster.local:8096/", "http://jellyfin/" })
        {
            using var response = await _mesh.CallAsync("sonarr", url);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}");
            Assert.Equal("jellyfin", await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Fact]
    public async Task NzbgetToSonarr_IsDenied_AtNzbgetsOwnSidecar_WithTheReason()
    {
        using var response = await _mesh.CallAsync("nzbget", "http://sonarr:8989/api");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("nzbget has no outbound agreement with sonarr", Assert.Single(response.Headers.GetValues("x-lattice-deny-reason")));
        Assert.Contains("\"error\":\"denied\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(_mesh.Apps["sonarr"].Received);
    }

    [Fact]
    public async Task JellyfinToNzbget_IsDenied_WithTheReason_AndNeverLeavesThePod()
    {
        using var response = await _mesh.CallAsync("jellyfin", "http://nzbget:6789/");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("jellyfin has no outbound agreement with nzbget", Assert.Single(response.Headers.GetValues("x-lattice-deny-reason")));
        Assert.Empty(_mesh.Apps["nzbget"].Received);
    }

    [Fact]
    public async Task SonarrToNzbget_RetriesUpTo3Attempts_On5xx()
    {
        _mesh.Apps["nzbget"].FailNext(2);

        using var response = await _mesh.CallAsync("sonarr", "http://nzbget:6789/api");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", Assert.Single(response.Headers.GetValues("x-lattice-attempts")));
        Assert.Equal(3, _mesh.Apps["nzbget"].Received.Count);
    }

    [Fact]
    public async Task SonarrToNzbget_GivesUpAfter3Attempts()
    {
        _mesh.Apps["nzbget"].FailNext(10);

        using var response = await _mesh.CallAsync("sonarr", "http://nzbget:6789/api");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, _mesh.Apps["nzbget"].Received.Count);
    }

    [Fact]
    public async Task SonarrToJellyfin_HasNoRetries()
    {
        _mesh.Apps["jellyfin"].FailNext(1);

        using var response = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(_mesh.Apps["jellyfin"].Received);
    }

    [Fact]
    public async Task Timeouts_InForce_Are30sToNzbget_And60sToJellyfin()
    {
        var table = _mesh.Compilation.RouteTables[new("media", "sonarr")];

        // The sidecar enforces the table it reports; the timeout mechanism itself is tested with short timeouts.
        var config = RouteTable.RouteTableSerializer.Read(await _mesh.Sidecars["sonarr"].Admin.GetStringAsync("/config", Ct));
        Assert.True(config.IsValid);
        Assert.Equal(table, config.Table);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Table.Outbound.Single(d => d.Service == "media/nzbget").Timeout?.Request);
        Assert.Equal(TimeSpan.FromSeconds(60), config.Table.Outbound.Single(d => d.Service == "media/jellyfin").Timeout?.Request);
    }

    [Fact]
    public async Task IntoJellyfin_100RequestsAMinute_The101stIs429()
    {
        for (var i = 0; i < 100; i++)
        {
            using var ok = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"request {i + 1}: {(int)ok.StatusCode}");
        }

        using var limited = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("100", Assert.Single(limited.Headers.GetValues("RateLimit-Limit")));
        Assert.Equal(100, _mesh.Apps["jellyfin"].Received.Count);
    }

    [Fact]
    public async Task IntoNzbget_1000RequestsAMinute_The1001stIs429()
    {
        var statuses = new List<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            using var response = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");
            lock (statuses)
            {
                statuses.Add(response.StatusCode);
            }
        });
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));

        using var limited = await _mesh.CallAsync("sonarr", "http://nzbget:6789/");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("1000", Assert.Single(limited.Headers.GetValues("RateLimit-Limit")));
    }
}
