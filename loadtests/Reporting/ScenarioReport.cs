using Lattice.Mesh.LoadTests.Engine;

namespace Lattice.Mesh.LoadTests.Reporting;

/// <summary>One row of the report: a scenario's result with what its proxies spent, and how it compares with the direct path.</summary>
/// <param name="Result">The engine's counts and latencies.</param>
/// <param name="Path">What the requests go through, such as <c>app → sidecar → mTLS → sidecar → app</c>.</param>
/// <param name="Expected">What a good answer is.</param>
/// <param name="ProxyCpu">CPU time the path's proxy processes spent during the run; null for the direct path.</param>
/// <param name="ProxyPeakRssBytes">The largest peak resident size among the path's proxy processes during the run; null for the direct path.</param>
public sealed record ScenarioReport(ScenarioResult Result, string Path, string Expected, TimeSpan? ProxyCpu, long? ProxyPeakRssBytes)
{
    /// <summary>The p99 of each round the row merges, in milliseconds, in the order they ran; empty for a single run.</summary>
    public IReadOnlyList<double> RoundP99Ms { get; init; } = [];

    /// <summary>
    /// What was done to the path while it was recorded (the stall path's stopped peer), or null. Such a row is listed
    /// with its slowest answer under the table and left out of the latency chart, whose scale is the proxies' overhead.
    /// </summary>
    public string? Disturbance { get; init; }

    /// <summary>Proxy CPU per request in microseconds, or null.</summary>
    public double? ProxyCpuMicrosecondsPerRequest =>
        ProxyCpu is { } cpu && Result.Ok + Result.Failed > 0 ? cpu.TotalMicroseconds / (Result.Ok + Result.Failed) : null;
}
