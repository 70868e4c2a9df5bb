using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Cli.LocalMesh;
using Lattice.Mesh.LoadTests.Engine;
using Lattice.Mesh.LoadTests.Reporting;
using Lattice.Mesh.LoadTests.Targets;

namespace Lattice.Mesh.LoadTests;

/// <summary>How hard and how long: the full run for the README's figures, or the quick smoke run CI does.</summary>
/// <param name="Rate">The open model's requests per second.</param>
/// <param name="Concurrency">The closed model's copies.</param>
/// <param name="Duration">Each scenario's recorded time, per model, over all its rounds.</param>
/// <param name="WarmUp">The unrecorded run before each recorded one (each round's).</param>
/// <param name="StartUp">
/// Once per path before anything is recorded: the closed model for this long, so that the proxies' JIT tiering has
/// settled (a sidecar's first 10 to 15 seconds of traffic are compiled code, not requests: at 1,000/s its compiler
/// still takes a quarter of its CPU 10 s in). Zero for none.
/// </param>
internal sealed record LoadTestOptions(int Rate, int Concurrency, TimeSpan Duration, TimeSpan WarmUp, TimeSpan StartUp)
{
    public static LoadTestOptions Full { get; } = new(1000, 16, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10)) { Rounds = 3 };

    public static LoadTestOptions Quick { get; } = new(200, 8, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeSpan.Zero);

    /// <summary>
    /// How many turns the paths take under each model, each recording <see cref="Duration"/> divided by this; a path's
    /// rounds are merged into its one row. On a shared machine a p99 is set by what else ran in those seconds (the
    /// direct path's own p99 moved between 0.5 and 1.7 ms from run to run), so paths recorded in turns meet the same
    /// noise, and their difference means something where back-to-back runs of 30 s did not.
    /// </summary>
    public int Rounds { get; init; } = 1;

    /// <summary>The paths to run (direct, the baseline, always runs); null for all.</summary>
    public IReadOnlySet<string>? Paths { get; init; }

    /// <summary>Whether the path named <paramref name="path"/> runs: direct always, the others when chosen (all by default).</summary>
    public bool Runs(string path) => path == "direct" || Paths is null || Paths.Contains(path);
}

/// <summary>One path the requests can take: how to send them, what a good answer is, and which proxy processes it runs through.</summary>
internal sealed record PathUnderTest(string Name, string Description, HttpClient Client, string RequestPath, int[] ExpectedStatuses, string Expected, IReadOnlyList<ProcessMeter> Proxies)
{
    /// <summary>
    /// A process stopped for a moment during each recorded run (the stall path), or null. A stalled path runs under the
    /// open model only: requests keep arriving while the peer is silent, which is what a stall meets; under the closed
    /// model its copies would only pause.
    /// </summary>
    public ProcessStall? Stall { get; init; }

    /// <summary>What the report says was done to the path while it was recorded, or null.</summary>
    public string? Disturbance => Stall?.Description;

    public bool RunsUnder(LoadSimulation simulation) => Stall is null || simulation is ConstantRate;

    public Scenario ToScenario() => new(Name, StepAsync, Expected);

    private async ValueTask<StepResult> StepAsync(CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync(RequestPath, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (Array.IndexOf(ExpectedStatuses, status) < 0)
        {
            return StepResult.Fail($"status {status}");
        }

        return status == 200 && response.Content.Headers.ContentLength != LoopbackBackend.ResponseBytes
            ? StepResult.Fail("short body")
            : StepResult.Ok;
    }
}

/// <summary>
/// Sets everything up (the backend, the sidecar processes), runs every path under the open model and then the closed
/// one, each after a warm-up, and measures the proxies' CPU time and peak memory around each recorded run.
/// </summary>
internal static class LoadTestRun
{
    /// <summary>Every path's name, as <c>--paths</c> takes them: direct is the baseline; nginx-pair runs where nginx can be had.</summary>
    public static readonly string[] PathNames = ["direct", "sidecars", "denied", "rate-limited", "retry", "stall", "gateway", "nginx-pair"];

    /// <summary>How long the stall path's callee is stopped, at most (a third of a round, when a round is shorter than 3 s).</summary>
    public static readonly TimeSpan StallFor = TimeSpan.FromSeconds(1);

    public static async Task<LoadReport> RunAsync(LoadTestOptions options, ILoadEngine engine, TextWriter log, CancellationToken cancellationToken)
    {
        await using var backend = await LoopbackBackend.StartAsync();
        await using var mesh = await SidecarMesh.StartAsync(backend, log, cancellationToken);
        ProcessMeter Meter(string service) => new(mesh[service].ProcessId);
        using var direct = Client(new Uri($"http://127.0.0.1:{backend.Port}"), host: null);
        using var viaClient = Client(mesh["client"].Outbound, SidecarMesh.BackendHost);
        using var viaStranger = Client(mesh["stranger"].Outbound, SidecarMesh.BackendHost);
        using var viaLimited = Client(mesh["limited"].Outbound, SidecarMesh.BackendHost);
        using var viaCaller = Client(mesh["caller"].Outbound, SidecarMesh.StallingHost);
        using var viaGateway = Client(mesh[SidecarMesh.Gateway].Addresses["https"], SidecarMesh.PortalHost, mesh.IngressCertificate);
        var round = options.Duration / options.Rounds;
        var stall = new ProcessStall(mesh["stalling"].ProcessId, "the callee's sidecar", After: round / 3, For: TimeSpan.FromTicks(Math.Min(StallFor.Ticks, (round / 3).Ticks)));

        // nginx alongside and the wrk cross-check (issue 8): each skipped with a note where it cannot be had.
        var comparisons = new List<string>();
        await using var nginx = options.Runs("nginx-pair")
            ? await NginxPair.StartOrSkipAsync(backend, comparisons, log, cancellationToken)
            : null;
        using var viaNginx = nginx is null ? null : Client(nginx.Address, host: null);
        PathUnderTest[] paths =
        [
            new("direct", "client → app", direct, "/", [200], "200 with 1 KB", []),
            new("sidecars", "client → sidecar → mTLS → sidecar → app", viaClient, "/", [200], "200 with 1 KB", [Meter("client"), Meter("backend")]),
            new("denied", "client → sidecar: 403", viaStranger, "/", [403], "403 from the caller's own sidecar (no agreement)", [Meter("stranger")]),
            new("rate-limited", "client → sidecar → mTLS → sidecar: 429", viaLimited, "/", [429, 200], "429 from the callee's sidecar (the first 60 a minute pass)", [Meter("limited"), Meter("backend")]),
            new("retry", "as sidecars, app failing 1 in 10 with 503", viaClient, "/flaky", [200], "200: the caller's sidecar retries the 503s", [Meter("client"), Meter("backend")]),
            new("stall", "as sidecars, the callee's sidecar stopped for a moment", viaCaller, "/", [200], "200 with 1 KB: the requests that arrive meanwhile wait and are served", [Meter("caller"), Meter("stalling")]) { Stall = stall },
            new("gateway", "client → TLS → gateway → mTLS → sidecar → app", viaGateway, "/", [200], "200 with 1 KB through the ingress gateway", [Meter(SidecarMesh.Gateway), Meter("portal")]),
            .. nginx is null || viaNginx is null ? Array.Empty<PathUnderTest>() : [new("nginx-pair", "client → nginx → mTLS → nginx → app", viaNginx, "/", [200], "200 with 1 KB", nginx.Meters())],
        ];

        // Names are checked against PathNames on the command line; nginx-pair may be absent (skipped with a note).
        paths = [.. paths.Where(p => options.Runs(p.Name))];

        if (options.StartUp > TimeSpan.Zero)
        {
            foreach (var path in paths)
            {
                await log.WriteLineAsync($"{path.Name}: start-up {options.StartUp.TotalSeconds:F0}s with {options.Concurrency} copies (unrecorded: a fresh proxy's first traffic; the JIT build tiers up)");
                await engine.RunAsync(path.ToScenario(), new ConstantConcurrency(options.Concurrency, options.StartUp), cancellationToken);
            }
        }

        var rows = new List<ScenarioReport>();
        LoadSimulation[] simulations = [new ConstantRate(options.Rate, options.Duration), new ConstantConcurrency(options.Concurrency, options.Duration)];
        foreach (var simulation in simulations)
        {
            var running = paths.Where(p => p.RunsUnder(simulation)).ToList();
            var recorded = running.ToDictionary(p => p, _ => new List<RoundResult>());
            for (var turn = 1; turn <= options.Rounds; turn++)
            {
                foreach (var path in running)
                {
                    var of = options.Rounds > 1 ? $" (round {turn} of {options.Rounds})" : "";
                    await log.WriteLineAsync($"{path.Name}, {simulation.Label}{of}: warm-up {options.WarmUp.TotalSeconds:F0}s, then {round.TotalSeconds:F0}s recorded");
                    var run = await RecordAsync(engine, path, simulation, options.WarmUp, round, log, cancellationToken);
                    recorded[path].Add(run);
                    var late = run.Result.DispatchLateness is { TotalCount: > 0 } lateness ? FormattableString.Invariant($", sent at most {lateness.GetValueAtPercentile(100) / 1000.0:F1} ms late") : "";
                    await log.WriteLineAsync(FormattableString.Invariant($"{path.Name}, {simulation.Label}{of}: p99 {run.Result.PercentileMs(99):F2} ms, slowest {run.Result.MaxMs:F1} ms{late}{(path.Proxies.Count > 0 ? $", proxies' peak RSS {run.Peak / 1048576.0:F1} MB" : "")}"));
                }
            }

            foreach (var path in running)
            {
                var rounds = recorded[path];
                var cpu = path.Proxies.Count == 0 ? (TimeSpan?)null : TimeSpan.FromTicks(rounds.Sum(r => r.Cpu.Ticks));
                var peak = path.Proxies.Count == 0 ? (long?)null : rounds.Max(r => r.Peak);
                rows.Add(new ScenarioReport(ScenarioResult.Merge([.. rounds.Select(r => r.Result)]), path.Description, path.Expected, cpu, peak)
                {
                    RoundP99Ms = rounds.Count > 1 ? [.. rounds.Select(r => r.Result.PercentileMs(99))] : [],
                    Disturbance = path.Disturbance,
                });
            }
        }

        var closedDirect = rows.FirstOrDefault(r => r.Result.Scenario == "direct" && r.Result.Simulation == simulations[1].Label);
        comparisons.Add(await Wrk.CrossCheckAsync(direct.BaseAddress!, options.Concurrency, options.Duration, closedDirect, log, cancellationToken));
        return new LoadReport(Title(options), rows, [.. Notes(options, backend), .. comparisons]);
    }

    /// <summary>
    /// One recorded run of <paramref name="path"/> after its warm-up, with what its proxies spent (CPU) and their peak
    /// memory during it; its stall, if it has one, runs alongside and is over (the process resumed) before this returns.
    /// </summary>
    private static async Task<RoundResult> RecordAsync(ILoadEngine engine, PathUnderTest path, LoadSimulation simulation, TimeSpan warmUp, TimeSpan recorded, TextWriter log, CancellationToken cancellationToken)
    {
        var scenario = path.ToScenario();
        await engine.RunAsync(scenario, simulation with { During = warmUp }, cancellationToken); // warm-up, dropped
        foreach (var proxy in path.Proxies)
        {
            proxy.ResetPeak();
        }

        var cpuBefore = path.Proxies.Sum(p => p.CpuTime().Ticks);
        var stall = path.Stall?.RunAsync(() => log.WriteLine($"{path.Name}: {path.Disturbance}: stopped now"), cancellationToken) ?? Task.CompletedTask;
        var result = await engine.RunAsync(scenario, simulation with { During = recorded }, cancellationToken);
        await stall;
        var cpu = TimeSpan.FromTicks(path.Proxies.Sum(p => p.CpuTime().Ticks) - cpuBefore);
        var peak = path.Proxies.Count == 0 ? 0 : path.Proxies.Max(p => p.PeakResidentBytes());
        return new RoundResult(result, cpu, peak);
    }

    private sealed record RoundResult(ScenarioResult Result, TimeSpan Cpu, long Peak);

    /// <summary>
    /// A client as an app beside its sidecar would have: plain HTTP/1.1 keep-alive, no proxy, a pool as large as the
    /// load asks. With <paramref name="trust"/>, a browser's view of the gateway instead: HTTPS to
    /// <paramref name="host"/> (its SNI, from the Host header), trusting only that CA, over HTTP/2 as browsers speak it
    /// to a TLS site, so that requests waiting at the gateway share a connection as a household's tabs do. An HTTP/1.1
    /// client with an unlimited pool would open a TLS connection per waiting request: a flood of new clients, which is
    /// another test than a household's use (README: Performance, "The gateway path").
    /// </summary>
    private static HttpClient Client(Uri baseAddress, string? host, X509Certificate2? trust = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        if (trust is not null)
        {
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, CustomTrustStore = { trust } };
            handler.EnableMultipleHttp2Connections = true;
        }

        var client = new HttpClient(handler)
        {
            DefaultRequestVersion = trust is null ? HttpVersion.Version11 : HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (host is not null)
        {
            client.DefaultRequestHeaders.Host = host;
        }

        return client;
    }

    private static string Title(LoadTestOptions options) =>
        $"Lattice.Mesh load test, {DateTime.UtcNow:yyyy-MM-dd} at {Commit()}, {Environment.ProcessorCount} cores, {options.Rate}/s and {options.Concurrency} copies, {options.Duration.TotalSeconds:F0}s each{(options.Rounds > 1 ? $" in {options.Rounds} rounds" : "")}";

    private static List<string> Notes(LoadTestOptions options, LoopbackBackend backend) =>
    [
        (options.StartUp > TimeSpan.Zero ? $"Each path ran {options.StartUp.TotalSeconds:F0}s unrecorded with {options.Concurrency} copies before any recorded run (a fresh proxy's first traffic; the JIT build tiers up). " : "No start-up phase: the first recorded runs include a fresh proxy's first traffic (the JIT build's tiering). ") +
        (options.Rounds > 1 ? $"Each path was recorded in {options.Rounds} rounds of {(options.Duration / options.Rounds).TotalSeconds:F0}s per model, the paths taking turns, and its rounds merged into its row. " : "") +
        $"Each recorded run follows a {options.WarmUp.TotalSeconds:F0}s unrecorded warm-up of its own. " +
        $"Open model: latency from each request's intended send time (coordinated omission corrected); closed model: {options.Concurrency} copies back to back. Responses are {LoopbackBackend.ResponseBytes} bytes. Ratios (× direct, over direct) are against the direct path under the same load in this run.",
        "Proxy CPU is the user+system time of the path's lattice-proxy processes during the recorded run, per request; peak RSS is the largest VmHWM among them, reset before the run.",
        .. options.Runs("retry") ? [$"The retry path's app answered 503 to {backend.FlakyFailures} requests in all; the caller's sidecar retried them."] : Array.Empty<string>(),
        Environment.GetEnvironmentVariable(SidecarProcess.ProxyVariable) is { Length: > 0 } proxy
            ? $"lattice-proxy: {proxy} ({SidecarProcess.ProxyVariable})."
            : "lattice-proxy: the lattice-proxy.dll beside this program, run by dotnet (JIT).",
    ];

    private static string Commit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true });
            var commit = git?.StandardOutput.ReadToEnd().Trim();
            git?.WaitForExit();
            return string.IsNullOrEmpty(commit) ? "an unknown commit" : commit;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "an unknown commit";
        }
    }
}
