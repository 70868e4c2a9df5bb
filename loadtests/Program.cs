using BenchmarkDotNet.Running;
using Lattice.Mesh.LoadTests;
using Lattice.Mesh.LoadTests.Engine;

// dotnet run -c Release --project loadtests [-- --quick] [--out folder]   the load test (README: Performance)
// dotnet run -c Release --project loadtests -- bench --filter '*'         the BenchmarkDotNet microbenchmarks
if (args.FirstOrDefault() == "bench")
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadTestRun).Assembly).Run(args[1..]);
    return 0;
}

var quick = args.Contains("--quick");
var outIndex = Array.IndexOf(args, "--out");
var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine("artifacts", "loadtest", quick ? "quick" : "full");
var unknown = args.Where((a, i) => a != "--quick" && a != "--out" && !(i > 0 && args[i - 1] == "--out")).ToList();
if (unknown.Count > 0)
{
    await Console.Error.WriteLineAsync($"lattice-loadtest: unknown argument {unknown[0]}. Usage: lattice-loadtest [--quick] [--out folder] | bench [BenchmarkDotNet arguments]");
    return 2;
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

var report = await LoadTestRun.RunAsync(quick ? LoadTestOptions.Quick : LoadTestOptions.Full, new HdrLoadEngine(), Console.Error, stopping.Token);
await report.WriteAsync(output, stopping.Token);
Console.WriteLine(report.ToMarkdown());
Console.WriteLine($"Written: {Path.Combine(output, "report.md")}, report.json, latency.svg");

// A smoke check, not a timing one: every path must have answered as expected.
var broken = report.Rows.Where(r => r.Result.Ok == 0 || r.Result.Failed > (r.Result.Ok + r.Result.Failed) / 100).ToList();
foreach (var row in broken)
{
    await Console.Error.WriteLineAsync($"lattice-loadtest: {row.Result.Scenario} ({row.Result.Simulation}) did not answer as expected ({row.Expected}): {row.Result.Ok} good, failures {string.Join(", ", row.Result.Failures.Select(f => $"{f.Key}: {f.Value}"))}");
}

return broken.Count == 0 ? 0 : 1;
