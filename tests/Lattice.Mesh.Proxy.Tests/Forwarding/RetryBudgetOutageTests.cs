using System.Net;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>In a total outage the budget, not the attempts, bounds the load retries add.</summary>
public sealed class RetryBudgetOutageTests
{
    [Fact]
    public async Task KeepsTriesWithinTheBudget_WhenTheBackendAlwaysAnswers503()
    {
        const int Requests = 200;
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        var budget = new RetryBudget(TimeProvider.System, retryRatio: 0.2, minRetriesPerSecond: 10, window: TimeSpan.FromSeconds(10));
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.GatewayError), budget: budget);

        var refused = 0;
        for (var i = 0; i < Requests; i++)
        {
            using var request = RetryClients.Request(HttpMethod.Get, backend.Address);
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            if (RetryClients.Report(request).Stop == RetryStop.BudgetExhausted)
            {
                refused++;
            }
        }

        // Without a budget: 600 tries. With it: every request once, plus 20% of them, plus the reserve of 10/s over 10s.
        var allowance = (Requests * 0.2) + (10 * 10);
        Assert.InRange(tries, Requests + 1, Requests + allowance);
        Assert.True(refused > 0, "the budget should have refused retries");
    }

    [Fact]
    public async Task AnswersAtOnce_WhenTheBudgetRefuses()
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });

        // A spent budget: the first 503 goes back as it is, with no backoff and no second try.
        var budget = new RetryBudget(TimeProvider.System, retryRatio: 0, minRetriesPerSecond: 0);
        using var client = RetryClients.Create(RetryClients.Retries(5, RetryCondition.GatewayError), budget: budget);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, tries);
        Assert.Equal("1", RetryClients.Attempts(response));
        var report = RetryClients.Report(request);
        Assert.Equal((RetryFailure.GatewayError, RetryStop.BudgetExhausted), (report.Failure, report.Stop));
    }
}
