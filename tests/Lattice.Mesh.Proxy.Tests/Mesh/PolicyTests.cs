using System.Diagnostics;
using System.Net;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>Policies with figures small enough to watch in a test: 300 ms request and 1 s idle timeouts, a limit of 2 a second.</summary>
public sealed class PolicyTests : IAsyncLifetime
{
    private readonly string _manifests = Manifests.MediaServerWith(
        ("sonarr.yaml", "timeout: {request: 60s}", "timeout: {request: 300ms, idle: 1s}"),
        ("jellyfin.yaml", "rateLimit: {requestsPerInterval: 100, intervalSeconds: 60}", "rateLimit: {requestsPerInterval: 2, intervalSeconds: 1}"));

    private MediaMesh _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MediaMesh.StartAsync(manifests: _manifests);

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        Directory.Delete(_manifests, recursive: true);
    }

    [Fact]
    public async Task RequestTimeout_Is504_WithAReason_AtAboutTheConfiguredTime()
    {
        _mesh.Apps["jellyfin"].HangNext(1);
        var clock = Stopwatch.StartNew();

        using var response = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");

        clock.Stop();
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("timeout", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RateLimit_AllowsTheLimit_Then429WithRetryAfter_ThenRefills()
    {
        for (var i = 0; i < 2; i++)
        {
            using var ok = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal("0", Assert.Single(limited.Headers.GetValues("RateLimit-Remaining")));
        Assert.NotEmpty(limited.Headers.GetValues("RateLimit-Reset"));

        await Eventually.Async(async () =>
        {
            using var again = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");
            return again.StatusCode == HttpStatusCode.OK;
        }, "the bucket to refill", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task IdleTimeout_CutsAStalledStream_AfterTheHeadersArrived()
    {
        _mesh.Apps["jellyfin"].StallBodyNext(1);
        var client = _mesh.Sidecars["sonarr"].App;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stream") { Headers = { Host = "jellyfin:8096" } };

        // Headers arrive within the request timeout; from then on only the idle timeout applies.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var clock = Stopwatch.StartNew();
        var cut = await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(Ct));

        Assert.True(cut is IOException or HttpRequestException, cut.ToString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Decisions_AreCounted_RateLimitedTimeoutRetriedAndUpstreamError()
    {
        for (var i = 0; i < 3; i++)
        {
            (await _mesh.CallAsync("sonarr", "http://jellyfin:8096/")).Dispose();
        }

        _mesh.Apps["jellyfin"].HangNext(1);
        await Eventually.Async(async () =>
        {
            using var timedOut = await _mesh.CallAsync("sonarr", "http://jellyfin:8096/");
            return timedOut.StatusCode == HttpStatusCode.GatewayTimeout;
        }, "a request to time out (the limiter refills in a second)");
        _mesh.Apps["nzbget"].FailNext(1);
        (await _mesh.CallAsync("sonarr", "http://nzbget:6789/")).Dispose();
        _mesh.Apps["nzbget"].FailNext(3);
        (await _mesh.CallAsync("sonarr", "http://nzbget:6789/")).Dispose();

        var sonarr = await _mesh.Sidecars["sonarr"].Admin.GetStringAsync("/metrics", Ct);
        var jellyfin = await _mesh.Sidecars["jellyfin"].Admin.GetStringAsync("/metrics", Ct);
        Assert.Contains(Series(jellyfin), l => l.Contains("direction=\"inbound\"", StringComparison.Ordinal) && l.Contains("decision=\"rate_limited\"", StringComparison.Ordinal) && l.Contains("code=\"429\"", StringComparison.Ordinal));
        Assert.Contains(Series(sonarr), l => l.Contains("destination=\"media/jellyfin\"", StringComparison.Ordinal) && l.Contains("decision=\"timeout\"", StringComparison.Ordinal) && l.Contains("code=\"504\"", StringComparison.Ordinal));
        Assert.Contains(Series(sonarr), l => l.Contains("destination=\"media/nzbget\"", StringComparison.Ordinal) && l.Contains("decision=\"retried\"", StringComparison.Ordinal) && l.Contains("code=\"200\"", StringComparison.Ordinal));
        Assert.Contains(Series(sonarr), l => l.Contains("destination=\"media/nzbget\"", StringComparison.Ordinal) && l.Contains("decision=\"upstream_error\"", StringComparison.Ordinal) && l.Contains("code=\"503\"", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Series(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("lattice_requests_total{", StringComparison.Ordinal));
}
