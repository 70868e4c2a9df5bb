using System.Net;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// What the handler costs a request that is answered at once, as the sidecar builds it (no reports kept): nothing of its
/// own per request beyond the one task its API returns. Sonarr's policy towards NZBGet, the heaviest in the media stack
/// (3 attempts, a per-try and a request timeout), runs through the whole Polly pipeline.
/// </summary>
public sealed class RetryHandlerAllocationTests
{
    private static readonly Uri Address = new("https://127.0.0.1:4143/api");

    /// <summary>
    /// The one <c>Task&lt;HttpResponseMessage&gt;</c> an awaiting handler completes with is 72 bytes on 64-bit .NET; a
    /// per-request report (with the options dictionary it lives in) or exchange object would add 40 to 260 more.
    /// </summary>
    private const long TaskOfResponseBytes = 72;

    [Theory]
    [InlineData(true)] // retries, per-try and request timeouts (sonarr → nzbget)
    [InlineData(false)] // a request timeout only (sonarr → jellyfin)
    public async Task AddsNoAllocationOfItsOwn_ToARequestAnsweredAtOnce(bool retries)
    {
        using var app = new Answering();
        var policy = retries ? RetryClients.Retries(3, RetryCondition.ServerError, RetryCondition.ConnectFailure) with { PerTryTimeout = TimeSpan.FromSeconds(10) } : null;
        var timeout = new TimeoutPolicy { Request = TimeSpan.FromSeconds(retries ? 30 : 60) };
        using var direct = new HttpMessageInvoker(app, disposeHandler: false);
        using var handler = new HttpMessageInvoker(
            new RetryHandler(RetryClients.Destination, policy, timeout, RetryClients.Unlimited(), RetryOptions.Default, TimeProvider.System) { InnerHandler = app },
            disposeHandler: false);

        var directBytes = await AllocatedPerRequestAsync(direct);
        var handlerBytes = await AllocatedPerRequestAsync(handler);

        Assert.InRange(handlerBytes - directBytes, 0, TaskOfResponseBytes);
    }

    [Fact]
    public async Task LeavesNoReportOnTheRequest_UnlessAskedTo()
    {
        using var app = new Answering();
        var policy = RetryClients.Retries(3, RetryCondition.ServerError);
        using var quiet = new HttpMessageInvoker(new RetryHandler(RetryClients.Destination, policy, null, RetryClients.Unlimited(), RetryOptions.Default, TimeProvider.System) { InnerHandler = app }, disposeHandler: false);
        using var reporting = new HttpMessageInvoker(new RetryHandler(RetryClients.Destination, policy, null, RetryClients.Unlimited(), RetryOptions.Default with { KeepReports = true }, TimeProvider.System) { InnerHandler = app }, disposeHandler: false);

        using var first = new HttpRequestMessage(HttpMethod.Get, Address);
        using var second = new HttpRequestMessage(HttpMethod.Get, Address);
        var quietResponse = await quiet.SendAsync(first, TestContext.Current.CancellationToken);
        var reportingResponse = await reporting.SendAsync(second, TestContext.Current.CancellationToken);

        Assert.False(RetryReport.TryGet(first, out _));
        Assert.Equal((1, RetryStop.Succeeded), (RetryClients.Report(second).Attempts, RetryClients.Report(second).Stop));
        Assert.Equal(("1", "1"), (RetryClients.Attempts(quietResponse), RetryClients.Attempts(reportingResponse)));
    }

    private static async Task<long> AllocatedPerRequestAsync(HttpMessageInvoker invoker)
    {
        const int Requests = 1000;

        // Warm: Polly's pools, the timer queue and the tiered code settle before counting.
        for (var i = 0; i < Requests; i++)
        {
            await SendAsync(invoker);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Requests; i++)
        {
            await SendAsync(invoker);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / Requests;
    }

    private static async Task SendAsync(HttpMessageInvoker invoker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Address);
        var response = await invoker.SendAsync(request, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Stands in for the connection pool: the same 200, completed, every time, so every await completes at once on this thread.</summary>
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
