using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lattice.Mesh.Proxy.Telemetry;

/// <summary>
/// The sidecar's metrics, exported in Prometheus text by OpenTelemetry on the admin port:
/// <c>lattice_requests_total{direction,source,destination,code,decision}</c> and a request-duration histogram,
/// named after Istio's <c>istio_requests_total</c> so dashboards translate.
/// </summary>
internal sealed class ProxyMetrics : IDisposable
{
    public const string MeterName = "Lattice.Mesh.Proxy";

    /// <summary>Every HTTP status code boxed once: a tag's value is an object, and boxing the code per request cost 24 bytes each time.</summary>
    private static readonly object[] BoxedCodes = [.. Enumerable.Range(0, 600).Select(code => (object)code)];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _tablesRejected;
    private readonly Counter<long> _tablesApplied;

    public ProxyMetrics(ProxyInstance instance)
    {
        // Scoped to this sidecar: several sidecars in one process (tests, the local mesh) keep their own series.
        _meter = new Meter(new MeterOptions(MeterName) { Scope = instance });
        _requests = _meter.CreateCounter<long>("lattice_requests", description: "Requests handled by the sidecar, by direction, source, destination, status code and policy decision.");
        _duration = _meter.CreateHistogram<double>("lattice_request_duration", unit: "s", description: "Time from request received to response headers sent.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _tablesRejected = _meter.CreateCounter<long>("lattice_route_table_rejected", description: "Route tables refused because they failed validation.");
        _tablesApplied = _meter.CreateCounter<long>("lattice_route_table_applied", description: "Route tables put in force.");
    }

    public void Request(string direction, string source, string destination, int code, string decision, double seconds)
    {
        var tags = new TagList
        {
            { "direction", direction },
            { "source", source },
            { "destination", destination },
            { "code", code is >= 0 and < 600 ? BoxedCodes[code] : code },
            { "decision", decision },
        };
        _requests.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    public void RouteTableRejected() => _tablesRejected.Add(1);

    public void RouteTableApplied(string revision) => _tablesApplied.Add(1, new KeyValuePair<string, object?>("revision", revision));

    public void Dispose() => _meter.Dispose();
}
