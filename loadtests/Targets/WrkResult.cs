namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>What one wrk run measured.</summary>
/// <param name="RequestsPerSecond">wrk's Requests/sec.</param>
/// <param name="LatencyMs">Its <c>--latency</c> distribution: percentile (50, 75, 90, 99) to milliseconds.</param>
/// <param name="Problems">Socket errors and non-2xx answers, as wrk words them.</param>
/// <param name="Version">Such as <c>wrk debian/4.1.0-3+b2</c>.</param>
internal sealed record WrkResult(double RequestsPerSecond, IReadOnlyDictionary<int, double> LatencyMs, IReadOnlyList<string> Problems, string Version);
