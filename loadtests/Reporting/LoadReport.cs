using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lattice.Mesh.LoadTests.Reporting;

/// <summary>
/// The load test's report, in three forms from the same rows: a Markdown table (for the README), JSON (for machines)
/// and an SVG chart of the latency percentiles of the open-model runs, which shows each path's overhead over the
/// direct one in one picture. Ratios are always against the direct path of the same run and the same load.
/// </summary>
public sealed class LoadReport(string title, IReadOnlyList<ScenarioReport> rows, IReadOnlyList<string> notes)
{
    private static readonly double[] Percentiles = [50, 90, 99, 99.9];
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public IReadOnlyList<ScenarioReport> Rows => rows;

    /// <summary>The row of the direct path under the same load as <paramref name="row"/>, if there is one.</summary>
    public ScenarioReport? BaselineOf(ScenarioReport row) =>
        rows.FirstOrDefault(r => r.Result.Scenario == "direct" && r.Result.Simulation == row.Result.Simulation);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"### {title}").AppendLine();
        text.AppendLine("| scenario | load | path | req/s | × direct | p50 ms | p90 ms | p99 ms | p99.9 ms | p99 over direct ms | errors | proxy CPU µs/req | proxy peak RSS MB |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        foreach (var row in rows)
        {
            var result = row.Result;
            var baseline = BaselineOf(row)?.Result;
            var errors = result.Failures.Count == 0 ? "none" : string.Join(", ", result.Failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key}: {f.Value}"));
            text.AppendLine(Invariant, $"| {result.Scenario} | {result.Simulation} | {row.Path} | {result.Throughput:F0} | {Ratio(result.Throughput, baseline?.Throughput)} | {Ms(result.PercentileMs(50))} | {Ms(result.PercentileMs(90))} | {Ms(result.PercentileMs(99))} | {Ms(result.PercentileMs(99.9))} | {Over(result, baseline)} | {errors} | {Number(row.ProxyCpuMicrosecondsPerRequest, "F0")} | {Number(row.ProxyPeakRssBytes / 1048576.0, "F1")} |");
        }

        var rounds = rows.Where(r => r.RoundP99Ms.Count > 0).ToList();
        if (rounds.Count > 0)
        {
            text.AppendLine().AppendLine(Invariant, $"Each row merges {rounds[0].RoundP99Ms.Count} rounds, the paths taking turns; the p99 of each round, ms:");
            text.AppendLine();
            foreach (var row in rounds)
            {
                text.AppendLine(Invariant, $"- {row.Result.Scenario}, {row.Result.Simulation}: {string.Join(", ", row.RoundP99Ms.Select(Ms))}");
            }
        }

        foreach (var row in rows.Where(r => r.Disturbance is not null))
        {
            text.AppendLine().AppendLine(Invariant, $"{row.Result.Scenario}, {row.Result.Simulation}: {row.Disturbance}. The slowest answer took {Ms(row.Result.MaxMs)} ms, the stall's own length included; the row is left out of the latency chart.");
        }

        var lateness = rows.Select(r => r.Result.DispatchLateness).OfType<HdrHistogram.HistogramBase>().ToList();
        if (lateness.Count > 0)
        {
            var p99 = lateness.Max(h => h.GetValueAtPercentile(99)) / 1000.0;
            text.AppendLine().AppendLine(Invariant, $"The open model's dispatcher sent requests at most {p99:F3} ms late at p99 (worst scenario); latencies include that, on every path alike.");
        }

        foreach (var note in notes)
        {
            text.AppendLine().AppendLine(note);
        }

        return text.ToString();
    }

    public string ToJson()
    {
        var document = new JsonObject
        {
            ["title"] = title,
            ["scenarios"] = new JsonArray([.. rows.Select(row => (JsonNode)new JsonObject
            {
                ["scenario"] = row.Result.Scenario,
                ["load"] = row.Result.Simulation,
                ["path"] = row.Path,
                ["expected"] = row.Expected,
                ["elapsedSeconds"] = row.Result.Elapsed.TotalSeconds,
                ["ok"] = row.Result.Ok,
                ["failed"] = row.Result.Failed,
                ["failures"] = new JsonObject(row.Result.Failures.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
                ["requestsPerSecond"] = row.Result.Throughput,
                ["throughputRatioToDirect"] = BaselineOf(row)?.Result.Throughput is > 0 and var direct ? row.Result.Throughput / direct : null,
                ["latencyMs"] = new JsonObject(Percentiles.Select(p => KeyValuePair.Create($"p{p.ToString(Invariant)}", (JsonNode?)Finite(row.Result.PercentileMs(p))))),
                ["proxyCpuMicrosecondsPerRequest"] = row.ProxyCpuMicrosecondsPerRequest,
                ["proxyPeakRssBytes"] = row.ProxyPeakRssBytes,
                ["p99MsByRound"] = new JsonArray([.. row.RoundP99Ms.Select(p => (JsonNode?)Finite(p))]),
                ["maxLatencyMs"] = Finite(row.Result.MaxMs),
                ["disturbance"] = row.Disturbance,
            })]),
            ["notes"] = new JsonArray([.. notes.Select(n => (JsonNode)n)]),
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Latency (ms, linear) against percentile (on the usual HdrHistogram axis, 1/(1-p), so 90, 99, 99.9 are evenly
    /// spaced), one line per open-model scenario with good answers and nothing done to it while it ran (a stall's second
    /// would set the scale and flatten every overhead).
    /// </summary>
    public string ToSvg()
    {
        const int Width = 760, Height = 420, Left = 60, Right = 170, Top = 40, Bottom = 50;
        string[] colours = ["#222222", "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
        var plotted = rows.Where(r => r.Result.Simulation.StartsWith("rate", StringComparison.Ordinal) && r.Result.Latency.TotalCount > 0 && r.Disturbance is null).ToList();
        var points = new[] { 0.0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
        static double X(double percentile) => Math.Log10(1 / (1 - Math.Min(percentile, 99.99) / 100));
        var maxX = X(99.99);
        var maxY = Math.Max(0.1, plotted.SelectMany(r => points.Select(p => r.Result.PercentileMs(p))).Where(double.IsFinite).DefaultIfEmpty(1).Max() * 1.1);
        double Px(double percentile) => Left + (X(percentile) / maxX * (Width - Left - Right));
        double Py(double ms) => Height - Bottom - (ms / maxY * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.AppendLine(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine(Invariant, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine(Invariant, $"<text x=\"{Left}\" y=\"22\" font-size=\"14\">{Escape(title)}: latency by percentile (open model)</text>");
        foreach (var p in new[] { 0.0, 90, 99, 99.9, 99.99 })
        {
            svg.AppendLine(Invariant, $"<line x1=\"{Px(p):F1}\" y1=\"{Top}\" x2=\"{Px(p):F1}\" y2=\"{Height - Bottom}\" stroke=\"#ddd\"/><text x=\"{Px(p):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">p{p.ToString(Invariant)}</text>");
        }

        for (var i = 0; i <= 4; i++)
        {
            var ms = maxY * i / 4;
            svg.AppendLine(Invariant, $"<line x1=\"{Left}\" y1=\"{Py(ms):F1}\" x2=\"{Width - Right}\" y2=\"{Py(ms):F1}\" stroke=\"#eee\"/><text x=\"{Left - 6}\" y=\"{Py(ms) + 4:F1}\" text-anchor=\"end\">{ms:F2}</text>");
        }

        svg.AppendLine(Invariant, $"<text x=\"14\" y=\"{Top + ((Height - Top - Bottom) / 2)}\" transform=\"rotate(-90 14 {Top + ((Height - Top - Bottom) / 2)})\" text-anchor=\"middle\">ms</text>");
        for (var i = 0; i < plotted.Count; i++)
        {
            var row = plotted[i];
            var colour = colours[i % colours.Length];
            var line = string.Join(' ', points.Select(p => (p, ms: row.Result.PercentileMs(p))).Where(x => double.IsFinite(x.ms)).Select(x => string.Create(Invariant, $"{Px(x.p):F1},{Py(x.ms):F1}")));
            svg.AppendLine(Invariant, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{line}\"/>");
            svg.AppendLine(Invariant, $"<rect x=\"{Width - Right + 12}\" y=\"{Top + (i * 18)}\" width=\"12\" height=\"3\" fill=\"{colour}\"/><text x=\"{Width - Right + 30}\" y=\"{Top + (i * 18) + 5}\">{Escape(row.Result.Scenario)} ({Escape(row.Result.Simulation)})</text>");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>Writes report.md, report.json and latency.svg into <paramref name="folder"/>.</summary>
    public async Task WriteAsync(string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), ToMarkdown(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), ToJson(), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "latency.svg"), ToSvg(), cancellationToken);
    }

    private static string Ms(double value) => double.IsFinite(value) ? value.ToString("F3", Invariant) : "–";

    private static string Number(double? value, string format) => value is { } v && double.IsFinite(v) ? v.ToString(format, Invariant) : "–";

    private static string Ratio(double value, double? baseline) => baseline is > 0 ? (value / baseline.Value).ToString("F2", Invariant) : "–";

    private static string Over(Engine.ScenarioResult result, Engine.ScenarioResult? baseline) =>
        baseline is null || result.Scenario == "direct" ? "–" : Ms(result.PercentileMs(99) - baseline.PercentileMs(99));

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? string.Empty;
}
