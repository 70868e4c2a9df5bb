using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Proxy.Forwarding;
using Polly;
using Polly.Retry;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// The retry decision Polly's retry strategy asks after every try, <see cref="RetryHandler.ShouldRetryAsync"/>, on the
/// handler built for Sonarr's destination NZBGet from the compiled table (3 attempts on 5xx and connect-failure):
/// for a 200 (the common case: no retry), a 503 (retried, which takes a retry from the budget) and a refused
/// connection (retried). The budget's reserve is made large enough that every retry the run decides is granted.
/// The baseline is a plain <see cref="FrozenSet{T}"/> lookup of the 200's status code among the codes the policy retries.
/// </summary>
[Config(typeof(InProcessConfig))]
[IterationTime(250)] // Millions of calls an iteration: the whole policy set runs in about two minutes.
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases them in [GlobalCleanup].")]
public class RetryPolicyBenchmarks
{
    private RetryHandler _handler = null!;
    private FrozenSet<int> _retried = null!;
    private HttpRequestMessage _request = null!;
    private HttpResponseMessage _ok = null!;
    private HttpResponseMessage _unavailable = null!;
    private ResilienceContext _context = null!;
    private RetryPredicateArguments<HttpResponseMessage> _afterOk;
    private RetryPredicateArguments<HttpResponseMessage> _afterUnavailable;
    private RetryPredicateArguments<HttpResponseMessage> _afterRefused;

    [GlobalSetup]
    public void Setup()
    {
        using var seed = new PolicySeed();
        var nzbget = seed.Table("sonarr").Outbound.Single(d => d.Service == "media/nzbget");
        var budget = new RetryBudget(TimeProvider.System, minRetriesPerSecond: int.MaxValue);
        _handler = RetryHandler.Create(nzbget, new HttpClientHandler(), budget);
        _retried = Enumerable.Range(500, 100).ToFrozenSet();
        _request = new HttpRequestMessage(HttpMethod.Get, "https://127.0.0.1:4143/api");
        _ok = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = _request };
        _unavailable = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = _request };
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:4143)", new SocketException((int)SocketError.ConnectionRefused));

        // What SendAsync sets up for a request, and what Polly passes after its first try.
        _context = ResiliencePool();
        _context.Properties.Set(RetryHandler.ExchangeKey, _handler.NewExchange(_request, new RetryReport(), CancellationToken.None));
        _afterOk = new RetryPredicateArguments<HttpResponseMessage>(_context, Outcome.FromResult(_ok), attemptNumber: 0);
        _afterUnavailable = new RetryPredicateArguments<HttpResponseMessage>(_context, Outcome.FromResult(_unavailable), attemptNumber: 0);
        _afterRefused = new RetryPredicateArguments<HttpResponseMessage>(_context, Outcome.FromException<HttpResponseMessage>(refused), attemptNumber: 0);
        if (Ok() || !Unavailable() || !Refused() || Plain())
        {
            throw new InvalidOperationException("Sonarr's policy towards NZBGet should retry 503 and a refused connection, and not 200");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ResilienceContextPool.Shared.Return(_context);
        _ok.Dispose();
        _unavailable.Dispose();
        _request.Dispose();
        _handler.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool Plain() => _retried.Contains((int)_ok.StatusCode);

    [Benchmark]
    public bool Ok() => Decide(_afterOk);

    [Benchmark]
    public bool Unavailable() => Decide(_afterUnavailable);

    [Benchmark]
    public bool Refused() => Decide(_afterRefused);

    private bool Decide(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var decision = _handler.ShouldRetryAsync(args);
        return decision.IsCompletedSuccessfully ? decision.Result : decision.AsTask().GetAwaiter().GetResult();
    }

    private static ResilienceContext ResiliencePool() => ResilienceContextPool.Shared.Get(CancellationToken.None);
}
