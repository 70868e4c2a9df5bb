using HdrHistogram;

namespace Lattice.Mesh.LoadTests.Engine;

/// <summary>What one scenario did under one simulation: counts, failures by kind and the latency of the good answers.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Simulation">The load, such as <c>rate 1000/s</c>.</param>
/// <param name="Elapsed">From the first request to the last answer.</param>
/// <param name="Ok">Steps that went as expected.</param>
/// <param name="Failures">Steps that did not, by kind.</param>
/// <param name="Latency">Latency of the good steps in microseconds (from the intended send time in the open model).</param>
public sealed record ScenarioResult(string Scenario, string Simulation, TimeSpan Elapsed, long Ok, IReadOnlyDictionary<string, long> Failures, HistogramBase Latency)
{
    public long Failed => Failures.Values.Sum();

    /// <summary>How late the open model's dispatcher sent requests, in microseconds: the floor of what it can resolve. Null in the closed model.</summary>
    public HistogramBase? DispatchLateness { get; init; }

    /// <summary>Answers per second, good or not.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? (Ok + Failed) / Elapsed.TotalSeconds : 0;

    /// <summary>
    /// Several recorded runs of one scenario under one simulation as if they were one: counts, failures and time added
    /// up, latencies (and dispatch lateness) merged into one histogram, so percentiles are over every answer.
    /// </summary>
    public static ScenarioResult Merge(IReadOnlyList<ScenarioResult> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        var first = runs[0];
        if (runs.Any(r => r.Scenario != first.Scenario || r.Simulation != first.Simulation))
        {
            throw new ArgumentException($"Only runs of one scenario under one simulation merge; got {string.Join(", ", runs.Select(r => $"{r.Scenario} ({r.Simulation})").Distinct())}", nameof(runs));
        }

        var failures = runs.SelectMany(r => r.Failures).GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(f => f.Value), StringComparer.Ordinal);
        return new ScenarioResult(first.Scenario, first.Simulation, TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)), runs.Sum(r => r.Ok), failures, Sum(runs.Select(r => r.Latency))!)
        {
            DispatchLateness = Sum(runs.Select(r => r.DispatchLateness).OfType<HistogramBase>()),
        };
    }

    /// <summary>A new histogram of every value in <paramref name="histograms"/> (which are left as they are); null for none.</summary>
    private static HistogramBase? Sum(IEnumerable<HistogramBase> histograms)
    {
        HistogramBase? sum = null;
        foreach (var histogram in histograms)
        {
            if (sum is null)
            {
                sum = histogram.Copy();
            }
            else
            {
                sum.Add(histogram);
            }
        }

        return sum;
    }

    /// <summary>The latency at <paramref name="percentile"/> (0-100) in milliseconds; NaN without a good answer.</summary>
    public double PercentileMs(double percentile) => Latency.TotalCount == 0 ? double.NaN : Latency.GetValueAtPercentile(percentile) / 1000.0;

    /// <summary>The slowest good answer in milliseconds; NaN without one.</summary>
    public double MaxMs => Latency.TotalCount == 0 ? double.NaN : Latency.GetMaxValue() / 1000.0;
}
