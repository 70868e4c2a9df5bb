using System.Diagnostics;
using System.Net;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>Policies with figures small enough to watch in a test: a 300 ms timeout and a limit of 2 a second.</summary>
public sealed class PolicyTests : IAsyncLifetime
{
    private readonly string _manifests = Manifests.MediaServerWith(
        ("sonarr.yaml", "timeout: {request: 60s}", "timeout: {request: 300ms}"),
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
}
