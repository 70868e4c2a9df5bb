using BenchmarkDotNet.Running;
using Lattice.Mesh.LoadTests;
using Lattice.Mesh.LoadTests.Engine;

// dotnet run -c Release --project loadtests [-- --quick] [--out folder]   the load test (README: Performance)
// dotnet run -c Release --project loadtests -- --rate 1000 --duration 10 --paths sidecars   one path, briefly (profiling)
// dotnet run -c Release --project loadtests -- bench --filter '*'         the BenchmarkDotNet microbenchmarks
if (args.FirstOrDefault() == "bench")
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadTestRun).Assembly).Run(args[1..]);
    return 0;
}

if (!LoadTestOptions.TryParse(args, out var options, out var output, out var error))
{
    await Console.Error.WriteLineAsync($"lattice-loadtest: {error}. Usage: lattice-loadtest [--quick] [--out folder] [--rate N] [--concurrency N] [--duration seconds] [--warmup seconds] [--startup seconds] [--paths direct,sidecars,...] | bench [BenchmarkDotNet arguments]");
    return 2;
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

var report = await LoadTestRun.RunAsync(options, new HdrLoadEngine(), Console.Error, stopping.Token);
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
