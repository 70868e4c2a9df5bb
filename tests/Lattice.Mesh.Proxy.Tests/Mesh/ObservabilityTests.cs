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
    public async Task TraceContext_PassesThroughUnchanged_WithoutACollector()
    {
        using var response = await CallWithTraceAsync(_mesh);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_mesh.Apps["nzbget"].Received);
        Assert.Equal(TraceParent, received.Headers["traceparent"]);
        Assert.Equal(TraceState, received.Headers["tracestate"]);
    }

    [Fact]
    public async Task WithACollector_EachHopIsASpan_AndTheCalleeIsParentedByOne()
    {
        await using var collector = await FakeApp.StartAsync("collector");
        var mesh = await MediaMesh.StartAsync(options => options with { OtlpEndpoint = new Uri($"http://127.0.0.1:{collector.Port}") });
        string callee;
        try
        {
            using var response = await CallWithTraceAsync(mesh);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            callee = Assert.Single(mesh.Apps["nzbget"].Received).Headers["traceparent"];
        }
        finally
        {
            await mesh.DisposeAsync(); // a sidecar sends its last batch of spans as it stops
        }

        // The trace goes on, from a span of the sidecars' rather than the caller's own.
        var parts = callee.Split('-');
        Assert.Equal(TraceId, parts[1]);
        Assert.NotEqual(CallerSpanId, parts[2]);

        // That span, and the trace, reached the collector as OTLP/HTTP (protobuf carries ids as their raw bytes).
        var exports = collector.Received.Where(r => r.Method == "POST" && r.Path == "/v1/traces").ToList();
        Assert.NotEmpty(exports);
        var spans = exports.SelectMany(r => r.Body).ToArray();
        Assert.True(spans.AsSpan().IndexOf(Convert.FromHexString(parts[2])) >= 0, "the callee's parent span was never exported");
        Assert.True(spans.AsSpan().IndexOf(Convert.FromHexString(TraceId)) >= 0, "no span of the caller's trace was exported");
        Assert.True(spans.AsSpan().IndexOf("lattice-proxy"u8) >= 0, "the spans do not name their service");
        Assert.True(spans.AsSpan().IndexOf("media/nzbget"u8) >= 0, "the spans do not name the destination");
    }

    [Theory]
    [InlineData("http://otel-collector.monitoring:4318", "http://otel-collector.monitoring:4318/v1/traces")]
    [InlineData("http://otel-collector.monitoring:4318/", "http://otel-collector.monitoring:4318/v1/traces")]
    [InlineData("https://collector.example/otlp", "https://collector.example/otlp/v1/traces")]
    public void Spans_GoToV1Traces_UnderTheCollectorsAddress(string collector, string expected) =>
        Assert.Equal(expected, ProxyServer.TracesEndpoint(new Uri(collector)).ToString());

    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string CallerSpanId = "00f067aa0ba902b7";
    private const string TraceParent = $"00-{TraceId}-{CallerSpanId}-01";
    private const string TraceState = "vendor=opaque-value";

    /// <summary>sonarr's app calls nzbget as part of a trace it started.</summary>
    private static async Task<HttpResponseMessage> CallWithTraceAsync(MediaMesh mesh)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "nzbget:6789" } };
        request.Headers.Add("traceparent", TraceParent);
        request.Headers.Add("tracestate", TraceState);
        return await mesh.Sidecars["sonarr"].App.SendAsync(request, Ct);
    }

    private static string[] Lines(string text) => text.Split('\n');
}
