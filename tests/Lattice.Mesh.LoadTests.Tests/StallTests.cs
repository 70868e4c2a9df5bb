using System.Diagnostics;
using System.Text.Json.Nodes;
using HdrHistogram;
using Lattice.Mesh.LoadTests.Engine;
using Lattice.Mesh.LoadTests.Reporting;
using Lattice.Mesh.LoadTests.Targets;

namespace Lattice.Mesh.LoadTests.Tests;

/// <summary>
/// The stall path: a real process stopped and resumed (<see cref="ProcessStall"/>), run under the open model only, and
/// reported with its slowest answer but kept out of the latency chart. That the mesh serves every request through a
/// stall is the quick load test's smoke run (test.sh), which runs the path against real sidecars.
/// </summary>
public sealed class StallTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AStall_StopsTheProcess_AndResumesItWhenCancelled()
    {
        using var sleeper = new Sleeper();
        using var cancel = new CancellationTokenSource();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = new ProcessStall(sleeper.Id, "a sleeper", TimeSpan.Zero, Timeout.InfiniteTimeSpan).RunAsync(stopped.SetResult, cancel.Token);
        await stopped.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(SpinWait.SpinUntil(() => State(sleeper.Id) == 'T', Patience), $"state {State(sleeper.Id)}, not stopped (T)");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(SpinWait.SpinUntil(() => State(sleeper.Id) != 'T', Patience), "still stopped after the stall was cancelled");
        Assert.False(sleeper.HasExited);
    }

    [Fact]
    public async Task AStall_ResumesTheProcessWhenItsTimeIsUp()
    {
        using var sleeper = new Sleeper();
        var stoppedAt = (char?)null;

        await new ProcessStall(sleeper.Id, "a sleeper", TimeSpan.Zero, TimeSpan.FromMilliseconds(1)).RunAsync(
            () => SpinWait.SpinUntil(() => (stoppedAt = State(sleeper.Id)) == 'T', Patience),
            TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal('T', stoppedAt);
        Assert.True(SpinWait.SpinUntil(() => State(sleeper.Id) != 'T', Patience), "still stopped after the stall");
    }

    [Fact]
    public async Task AStall_OfAProcessThatIsGone_SaysWhichAndWhy()
    {
        int gone;
        using (var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            gone = process.Id;
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new ProcessStall(gone, "a gone process", TimeSpan.Zero, TimeSpan.Zero).RunAsync(() => { }, TestContext.Current.CancellationToken));

        Assert.Contains($"could not stop process {gone} for the stall path", error.Message, StringComparison.Ordinal);
        Assert.Contains("No such process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStalledPath_RunsUnderTheOpenModelOnly()
    {
        using var client = new HttpClient();
        var plain = new PathUnderTest("sidecars", "", client, "/", [200], "200", []);
        var stalled = plain with { Name = "stall", Stall = new ProcessStall(Environment.ProcessId, "this process", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) };
        LoadSimulation open = new ConstantRate(1000, TimeSpan.FromSeconds(1)), closed = new ConstantConcurrency(16, TimeSpan.FromSeconds(1));

        Assert.True(plain.RunsUnder(open));
        Assert.True(plain.RunsUnder(closed));
        Assert.True(stalled.RunsUnder(open));
        Assert.False(stalled.RunsUnder(closed));
    }

    [Fact]
    public void Report_GivesADisturbedRowsSlowestAnswer_AndLeavesItOutOfTheChart()
    {
        var direct = new ScenarioReport(Run("direct", [(100, 300)]), "client → app", "200", null, null);
        var sidecars = new ScenarioReport(Run("sidecars", [(100, 900)]), "client → sidecar → mTLS → sidecar → app", "200", TimeSpan.FromMilliseconds(40), 40 * 1048576L);
        var stall = new ScenarioReport(Run("stall", [(90, 900), (10, 1_000_000)]), "as sidecars, the callee's sidecar stopped for a moment", "200", TimeSpan.FromMilliseconds(50), 60 * 1048576L)
        {
            Disturbance = "the callee's sidecar stopped for 1.0 s, 3.3 s into each recorded run",
        };
        var report = new LoadReport("title", [direct, sidecars, stall], []);

        Assert.Equal(1000, stall.Result.MaxMs, tolerance: 1);
        Assert.Contains(
            $"stall, rate 1000/s: the callee's sidecar stopped for 1.0 s, 3.3 s into each recorded run. The slowest answer took {stall.Result.MaxMs:F3} ms",
            report.ToMarkdown(),
            StringComparison.Ordinal);
        var json = JsonNode.Parse(report.ToJson())!["scenarios"]!.AsArray();
        Assert.Equal("the callee's sidecar stopped for 1.0 s, 3.3 s into each recorded run", json[2]!["disturbance"]!.GetValue<string>());
        Assert.Equal(stall.Result.MaxMs, json[2]!["maxLatencyMs"]!.GetValue<double>());
        Assert.Null(json[1]!["disturbance"]);

        var svg = report.ToSvg();
        Assert.Contains("sidecars (rate 1000/s)", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("stall (rate 1000/s)", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("1000.00", svg, StringComparison.Ordinal); // the y axis is scaled to the overhead, not the stall
    }

    /// <summary>A process that does nothing for ten minutes, killed (stopped or not) when the test is done with it.</summary>
    private sealed class Sleeper : IDisposable
    {
        private readonly Process _process = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;

        public int Id => _process.Id;

        public bool HasExited => _process.HasExited;

        public void Dispose()
        {
            _process.Kill();
            _process.WaitForExit();
            _process.Dispose();
        }
    }

    /// <summary>The process's state letter from /proc (R running, S sleeping, T stopped).</summary>
    private static char State(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }

    private static ScenarioResult Run(string scenario, (int Count, long Microseconds)[] answers)
    {
        var latency = new LongHistogram(1, 60_000_000, 3);
        foreach (var (count, microseconds) in answers)
        {
            latency.RecordValueWithCount(microseconds, count);
        }

        return new ScenarioResult(scenario, "rate 1000/s", TimeSpan.FromSeconds(1), answers.Sum(a => a.Count), new Dictionary<string, long>(), latency);
    }
}
