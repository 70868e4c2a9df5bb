using System.CommandLine;
using BenchmarkDotNet.Running;
using Lattice.Mesh.LoadTests;
using Lattice.Mesh.LoadTests.Engine;

// dotnet run -c Release --project loadtests [-- --quick] [--out folder]   the load test (README: Performance)
// dotnet run -c Release --project loadtests -- --rate 1000 --duration 10 --paths sidecars   one path, briefly (profiling)
// dotnet run -c Release --project loadtests -- bench --filter '*'         the BenchmarkDotNet microbenchmarks
var quick = new Option<bool>("--quick") { Description = "Every path briefly (200/s and 8 copies, 3 s each, no start-up phase): CI's smoke run" };
var output = new Option<string?>("--out") { Description = "The report's folder (default artifacts/loadtest/full, or .../quick)" };
var rate = Positive(new Option<int?>("--rate") { Description = "The open model's requests per second (full run 1000)" });
var concurrency = Positive(new Option<int?>("--concurrency") { Description = "The closed model's copies (full run 16)" });
var duration = Positive(new Option<int?>("--duration") { Description = "Seconds recorded per path and model, over all rounds (full run 30)" });
var warmUp = Positive(new Option<int?>("--warmup") { Description = "Unrecorded seconds before each recorded run, each round's (full run 3)" });
var rounds = Positive(new Option<int?>("--rounds") { Description = "Record each path in this many turns, the paths alternating, merged into one row (full run 3, quick 1)" });
var startUp = new Option<int?>("--startup") { Description = "Unrecorded seconds per path before any recorded run, for JIT tiering to settle (full run 10; 0 for none)" };
startUp.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int?>() is < 0)
    {
        result.AddError("--startup needs a whole number of seconds, 0 or more");
    }
});
var paths = new Option<string[]>("--paths") { Description = $"Only these paths, comma-separated, of {string.Join(", ", LoadTestRun.PathNames)} (direct, the baseline, always runs)", CustomParser = p => [.. p.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))] };
paths.Validators.Add(result =>
{
    var unknown = (result.GetValueOrDefault<string[]>() ?? []).Except(LoadTestRun.PathNames, StringComparer.Ordinal).ToList();
    if (unknown.Count > 0)
    {
        result.AddError($"--paths: no path named {string.Join(", ", unknown)}; the paths are {string.Join(", ", LoadTestRun.PathNames)}");
    }
});

var root = new RootCommand("The load test of Lattice.Mesh's proxy paths, with nginx alongside (README: Performance)") { quick, output, rate, concurrency, duration, warmUp, startUp, rounds, paths };
root.SetAction(async (result, cancellationToken) =>
{
    var chosen = result.GetValue(quick) ? LoadTestOptions.Quick : LoadTestOptions.Full;
    var options = chosen with
    {
        Rate = result.GetValue(rate) ?? chosen.Rate,
        Concurrency = result.GetValue(concurrency) ?? chosen.Concurrency,
        Duration = result.GetValue(duration) is { } d ? TimeSpan.FromSeconds(d) : chosen.Duration,
        WarmUp = result.GetValue(warmUp) is { } w ? TimeSpan.FromSeconds(w) : chosen.WarmUp,
        StartUp = result.GetValue(startUp) is { } s ? TimeSpan.FromSeconds(s) : chosen.StartUp,
        Paths = result.GetValue(paths) is { Length: > 0 } named ? named.ToHashSet(StringComparer.Ordinal) : null,
        Rounds = result.GetValue(rounds) ?? chosen.Rounds,
    };
    var folder = result.GetValue(output) ?? Path.Combine("artifacts", "loadtest", result.GetValue(quick) ? "quick" : "full");
    return await RunAsync(options, folder, cancellationToken);
});

var bench = new Command("bench", "The BenchmarkDotNet microbenchmarks; every further argument is BenchmarkDotNet's (--filter '*Policy*')") { TreatUnmatchedTokensAsErrors = false };
bench.SetAction(result =>
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadTestRun).Assembly).Run([.. result.UnmatchedTokens]);
    return 0;
});
root.Subcommands.Add(bench);
return await root.Parse(args).InvokeAsync();

static async Task<int> RunAsync(LoadTestOptions options, string output, CancellationToken cancellationToken)
{
    var report = await LoadTestRun.RunAsync(options, new HdrLoadEngine(), Console.Error, cancellationToken);
    await report.WriteAsync(output, cancellationToken);
    Console.WriteLine(report.ToMarkdown());
    Console.WriteLine($"Written: {Path.Combine(output, "report.md")}, report.json, latency.svg");

    // A smoke check, not a timing one: every path must have answered as expected.
    var broken = report.Rows.Where(r => r.Result.Ok == 0 || r.Result.Failed > (r.Result.Ok + r.Result.Failed) / 100).ToList();
    foreach (var row in broken)
    {
        await Console.Error.WriteLineAsync($"lattice-loadtest: {row.Result.Scenario} ({row.Result.Simulation}) did not answer as expected ({row.Expected}): {row.Result.Ok} good, failures {string.Join(", ", row.Result.Failures.Select(f => $"{f.Key}: {f.Value}"))}");
    }

    return broken.Count == 0 ? 0 : 1;
}

static Option<int?> Positive(Option<int?> option)
{
    option.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int?>() is <= 0)
        {
            result.AddError($"{option.Name} needs a whole number above zero");
        }
    });
    return option;
}
