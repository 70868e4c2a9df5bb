using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// The inbound sidecar's rate-limit check for a caller under its limit, as <see cref="InboundHandler"/> does it: the
/// caller's limiter from <see cref="CallerRateLimiters.For"/>, one permit from it, the lease disposed. The policy is
/// Sonarr's limit into NZBGet from the compiled table (a sliding window), or the same with a declared burst (a token
/// bucket), with the count raised so that the hundreds of millions of calls of a run stay under it (two billion a
/// minute, the token bucket refilled 50 ms at a time). The baseline
/// is a plain ordinal <see cref="FrozenDictionary{TKey, TValue}"/> lookup of the same caller.
/// </summary>
[Config(typeof(InProcessConfig))]
[IterationTime(250)] // Millions of calls an iteration: the whole policy set runs in about two minutes.
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases them in [GlobalCleanup].")]
public class RateLimitPolicyBenchmarks
{
    private CallerRateLimiters _limiters = null!;
    private FrozenDictionary<string, RateLimitPolicy> _plain = null!;
    private RateLimitPolicy _policy = null!;
    private string _caller = null!;

    [Params("sliding-window", "token-bucket")]
    public string Kind { get; set; } = "sliding-window";

    [GlobalSetup]
    public void Setup()
    {
        using var seed = new PolicySeed();
        var sonarr = seed.Table("nzbget").Inbound.Single(c => c.Service == "media/sonarr");
        var declared = sonarr.RateLimit ?? throw new InvalidOperationException("NZBGet declares no rate limit on Sonarr");
        const int Raised = 2_000_000_000;
        _policy = RateLimitPolicy.Divide(Raised, declared.IntervalSeconds, Kind == "token-bucket" ? Raised + 100_000_000 : null, declared.Replicas);
        _caller = SpiffeId.For(SpiffeId.DefaultTrustDomain, "media", "sonarr");
        _plain = new Dictionary<string, RateLimitPolicy> { [sonarr.SpiffeId] = _policy }.ToFrozenDictionary(StringComparer.Ordinal);
        _limiters = new CallerRateLimiters();
        if (!Acquire() || Plain() != _policy)
        {
            throw new InvalidOperationException("the first permit was refused");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _limiters.Dispose();

    [Benchmark(Baseline = true)]
    public RateLimitPolicy? Plain() => _plain.GetValueOrDefault(_caller);

    [Benchmark]
    public bool Acquire()
    {
        using var lease = _limiters.For(_caller, _policy).AttemptAcquire();
        return lease.IsAcquired;
    }
}
