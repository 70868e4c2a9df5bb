using System.Net;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

public sealed class ObservabilityTests : IAsyncLifetime
{
    private MediaMesh _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MediaMesh.StartAsync();

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task RequestsAreCounted_ByDirectionSourceDestinationCodeAndDecision()
    {
        (await _mesh.CallAsync("sonarr", "http://nzbget:6789/")).Dispose();
        (await _mesh.CallAsync("nzbget", "http://sonarr:8989/")).Dispose();

        var sonarr = await _mesh.Sidecars["sonarr"].Admin.GetStringAsync("/metrics", Ct);
        var nzbget = await _mesh.Sidecars["nzbget"].Admin.GetStringAsync("/metrics", Ct);

        Assert.Contains(Lines(sonarr), l => l.StartsWith("lattice_requests_total{", StringComparison.Ordinal)
            && l.Contains("direction=\"outbound\"", StringComparison.Ordinal) && l.Contains("source=\"media/sonarr\"", StringComparison.Ordinal)
            && l.Contains("destination=\"media/nzbget\"", StringComparison.Ordinal) && l.Contains("code=\"200\"", StringComparison.Ordinal)
            && l.Contains("decision=\"allowed\"", StringComparison.Ordinal));
        Assert.Contains(Lines(nzbget), l => l.StartsWith("lattice_requests_total{", StringComparison.Ordinal)
            && l.Contains("direction=\"inbound\"", StringComparison.Ordinal) && l.Contains("source=\"media/sonarr\"", StringComparison.Ordinal)
            && l.Contains("decision=\"allowed\"", StringComparison.Ordinal));
        Assert.Contains(Lines(nzbget), l => l.StartsWith("lattice_requests_total{", StringComparison.Ordinal)
            && l.Contains("direction=\"outbound\"", StringComparison.Ordinal) && l.Contains("code=\"403\"", StringComparison.Ordinal)
            && l.Contains("decision=\"denied\"", StringComparison.Ordinal));
        Assert.Contains(Lines(sonarr), l => l.StartsWith("lattice_request_duration_seconds_bucket{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TraceContext_IsPropagatedToTheCallee()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "nzbget:6789" } };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await _mesh.Sidecars["sonarr"].App.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_mesh.Apps["nzbget"].Received);
        Assert.Contains(traceId, received.Headers["traceparent"], StringComparison.Ordinal);
        Assert.DoesNotContain("00f067aa0ba902b7", received.Headers["traceparent"], StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n');
}
