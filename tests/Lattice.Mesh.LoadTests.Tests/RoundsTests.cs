using System.Text.Json.Nodes;
using HdrHistogram;
using Lattice.Mesh.LoadTests.Engine;
using Lattice.Mesh.LoadTests.Reporting;

namespace Lattice.Mesh.LoadTests.Tests;

/// <summary>
/// A path recorded in rounds (<c>--rounds</c>) is reported as one row: its rounds merged as if they were one run, and
/// each round's p99 listed, in the Markdown and the JSON alike.
/// </summary>
public sealed class RoundsTests
{
    private const string Rate = "rate 1000/s";

    [Fact]
    public void Merge_AddsUpCountsFailuresAndTime()
    {
        var merged = ScenarioResult.Merge([
            Run("sidecars", Rate, seconds: 2, [(100, 100)], failures: new() { ["status 503"] = 2 }),
            Run("sidecars", Rate, seconds: 3, [(100, 200)], failures: new() { ["status 503"] = 1, ["timeout"] = 1 }),
        ]);

        Assert.Equal(200, merged.Ok);
        Assert.Equal(2, merged.Failures.Count);
        Assert.Equal(3, merged.Failures["status 503"]);
        Assert.Equal(1, merged.Failures["timeout"]);
        Assert.Equal(TimeSpan.FromSeconds(5), merged.Elapsed);
        Assert.Equal(204 / 5.0, merged.Throughput, precision: 6);
    }

    [Fact]
    public void Merge_TakesPercentilesOverEveryAnswerOfEveryRound()
    {
        // Round 1: 99 answers at 0.1 ms and one at 10 ms; round 2: 100 at 0.2 ms. Neither round's p99 is the merged one.
        var first = Run("sidecars", Rate, seconds: 1, [(99, 100), (1, 10_000)]);
        var second = Run("sidecars", Rate, seconds: 1, [(100, 200)]);

        var merged = ScenarioResult.Merge([first, second]);

        Assert.Equal(0.1, first.PercentileMs(99), precision: 2);
        Assert.Equal(0.2, merged.PercentileMs(99), precision: 2);
        Assert.Equal(10.0, merged.PercentileMs(99.9), precision: 1);
        Assert.Equal(200, merged.Latency.TotalCount);
        Assert.Equal(100, first.Latency.TotalCount); // the rounds' own histograms are left as they were
    }

    [Fact]
    public void Merge_RefusesRunsOfDifferentPathsOrLoads()
    {
        var error = Assert.Throws<ArgumentException>(() => ScenarioResult.Merge([
            Run("sidecars", Rate, seconds: 1, [(1, 100)]),
            Run("direct", Rate, seconds: 1, [(1, 100)]),
        ]));

        Assert.Contains("sidecars (rate 1000/s), direct (rate 1000/s)", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ScenarioResult.Merge([
            Run("sidecars", Rate, seconds: 1, [(1, 100)]),
            Run("sidecars", "concurrency 16", seconds: 1, [(1, 100)]),
        ]));
    }

    [Fact]
    public void Report_ListsEachRoundsP99_BesideTheMergedRow()
    {
        var direct = new ScenarioReport(ScenarioResult.Merge([Run("direct", Rate, 1, [(100, 100)]), Run("direct", Rate, 1, [(100, 300)])]), "client → app", "200", null, null)
        {
            RoundP99Ms = [0.1, 0.3],
        };
        var sidecars = new ScenarioReport(ScenarioResult.Merge([Run("sidecars", Rate, 1, [(100, 900)]), Run("sidecars", Rate, 1, [(100, 1_500)])]), "client → sidecar → mTLS → sidecar → app", "200", TimeSpan.FromMilliseconds(150), 40 * 1048576L)
        {
            RoundP99Ms = [0.9, 1.5],
        };
        var report = new LoadReport("title", [direct, sidecars], []);

        var markdown = report.ToMarkdown();
        Assert.Contains("Each row merges 2 rounds, the paths taking turns; the p99 of each round, ms:", markdown, StringComparison.Ordinal);
        Assert.Contains("- direct, rate 1000/s: 0.100, 0.300", markdown, StringComparison.Ordinal);
        Assert.Contains("- sidecars, rate 1000/s: 0.900, 1.500", markdown, StringComparison.Ordinal);
        // The merged row: p99 over both rounds (1.5 ms), 1.2 ms over the merged direct p99 (0.3 ms), 750 µs of CPU per request.
        Assert.Contains("| sidecars | rate 1000/s | client → sidecar → mTLS → sidecar → app | 100 | 1.00 | 0.900 | 1.500 | 1.500 | 1.500 | 1.200 | none | 750 | 40.0 |", markdown, StringComparison.Ordinal);

        var json = JsonNode.Parse(report.ToJson())!["scenarios"]!.AsArray();
        double[] byRound = [.. json[1]!["p99MsByRound"]!.AsArray().Select(p => p!.GetValue<double>())];
        Assert.Equal([0.9, 1.5], byRound);
    }

    [Fact]
    public void Report_OfSingleRuns_ListsNoRounds()
    {
        var report = new LoadReport("title", [new ScenarioReport(Run("direct", Rate, 1, [(10, 100)]), "client → app", "200", null, null)], []);

        Assert.DoesNotContain("rounds", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.Empty(JsonNode.Parse(report.ToJson())!["scenarios"]![0]!["p99MsByRound"]!.AsArray());
    }

    /// <summary>A recorded run: <paramref name="answers"/> are (how many, latency in µs) good answers.</summary>
    private static ScenarioResult Run(string scenario, string simulation, double seconds, (int Count, long Microseconds)[] answers, Dictionary<string, long>? failures = null)
    {
        var latency = new LongHistogram(1, 60_000_000, 3);
        foreach (var (count, microseconds) in answers)
        {
            latency.RecordValueWithCount(microseconds, count);
        }

        return new ScenarioResult(scenario, simulation, TimeSpan.FromSeconds(seconds), answers.Sum(a => a.Count), failures ?? [], latency);
    }
}
