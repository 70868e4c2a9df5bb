using System.Net;
using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Proxy.Forwarding;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// What <see cref="RetryHandler"/> adds to a request that succeeds at once, around the decision measured in
/// <see cref="RetryPolicyBenchmarks"/>: its report, its resilience pipeline (Sonarr's policies from the compiled table:
/// towards NZBGet 3 attempts, a 10 s per-try and a 30 s request timeout; towards Jellyfin a 60 s request timeout only)
/// and the attempts header. The connection pool is replaced by a handler that answers a cached 200, and each call
/// sends a new request, as YARP does; the baseline sends the same request to that handler directly.
/// </summary>
[Config(typeof(InProcessConfig))]
[IterationTime(250)] // Millions of calls an iteration: the whole policy set runs in about two minutes.
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet releases them in [GlobalCleanup].")]
public class RetryHandlerPolicyBenchmarks
{
    private static readonly Uri Destination = new("https://127.0.0.1:4143/api");

    private Answering _app = null!;
    private HttpMessageInvoker _direct = null!;
    private HttpMessageInvoker _throughHandler = null!;

    [Params("media/nzbget", "media/jellyfin")]
    public string Destinations { get; set; } = "media/nzbget";

    [GlobalSetup]
    public void Setup()
    {
        using var seed = new PolicySeed();
        var destination = seed.Table("sonarr").Outbound.Single(d => d.Service == Destinations);
        _app = new Answering();
        _direct = new HttpMessageInvoker(_app, disposeHandler: false);
        _throughHandler = new HttpMessageInvoker(RetryHandler.Create(destination, _app, new RetryBudget(TimeProvider.System)), disposeHandler: false);
        if (Direct().Result != HttpStatusCode.OK || Handler().Result != HttpStatusCode.OK)
        {
            throw new InvalidOperationException("the stand-in connection pool did not answer");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _direct.Dispose();
        _throughHandler.Dispose();
        _app.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<HttpStatusCode> Direct() => SendAsync(_direct);

    [Benchmark]
    public Task<HttpStatusCode> Handler() => SendAsync(_throughHandler);

    private static async Task<HttpStatusCode> SendAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Destination);
        var response = await invoker.SendAsync(request, CancellationToken.None);
        return response.StatusCode;
    }

    /// <summary>Stands in for the connection pool: the same 200 every time, at once.</summary>
    private sealed class Answering : HttpMessageHandler
    {
        private readonly Task<HttpResponseMessage> _ok = Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _ok;

        protected override void Dispose(bool disposing)
        {
            _ok.Result.Dispose();
            base.Dispose(disposing);
        }
    }
}
