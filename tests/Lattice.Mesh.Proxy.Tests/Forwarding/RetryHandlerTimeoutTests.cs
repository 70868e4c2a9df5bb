using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Per-try and request timeouts: both end before response headers, and a timeout is our own 504.</summary>
public sealed class RetryHandlerTimeoutTests
{
    [Fact]
    public async Task RetriesAHangingTry_AfterThePerTryTimeout()
    {
        var tries = 0;
        var firstAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await LoopbackServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref tries) == 1)
            {
                await Hang.UntilAbortedAsync(context);
                firstAborted.TrySetResult();
            }
        });
        var policy = RetryClients.Retries(3, RetryCondition.GatewayError) with { PerTryTimeout = TimeSpan.FromMilliseconds(500) };
        using var client = RetryClients.Create(policy);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", RetryClients.Attempts(response));
        Assert.Equal(RetryFailure.PerTryTimeout, RetryClients.Report(request).RetriedOn);
        await firstAborted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Returns504AtTheRequestTimeout_AndStartsNoTryAfterIt()
    {
        var starts = new ConcurrentQueue<long>();
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            if (context.Request.Path == "/warm")
            {
                return Task.CompletedTask;
            }

            starts.Enqueue(Stopwatch.GetTimestamp());
            return Hang.UntilAbortedAsync(context);
        });

        // Tries start at about 0 and 500ms and hang; the deadline cuts the second at 750ms, and a third would start at
        // 1000ms. So every try the handler may make reaches the backend well before the deadline, and any it must not
        // make would arrive after it.
        var requestTimeout = TimeSpan.FromMilliseconds(750);
        var policy = RetryClients.Retries(10, RetryCondition.GatewayError) with { PerTryTimeout = TimeSpan.FromMilliseconds(500) };
        using var client = RetryClients.Create(policy, new TimeoutPolicy { Request = requestTimeout });
        using (var warm = RetryClients.Request(HttpMethod.Get, new Uri(backend.Address, "warm")))
        {
            (await client.SendAsync(warm, TestContext.Current.CancellationToken)).Dispose();
        }

        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);
        var sent = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(sent);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("request", Assert.Single(response.Headers.GetValues(RetryHandler.TimeoutHeader)));
        Assert.False(response.Headers.Contains("x-lattice-deny-reason"));
        Assert.InRange(elapsed, requestTimeout * 0.9, requestTimeout * 3);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("timeout", json.RootElement.GetProperty("error").GetString());
        Assert.StartsWith("media/nzbget did not answer within 750ms", json.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        Assert.NotEmpty(starts);
        Assert.All(starts, start => Assert.True(
            Stopwatch.GetElapsedTime(sent, start) < requestTimeout,
            $"a try reached the backend {Stopwatch.GetElapsedTime(sent, start).TotalMilliseconds:F0}ms after the request, past its {requestTimeout.TotalMilliseconds}ms deadline"));
        var report = RetryClients.Report(request);
        Assert.Equal(report.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture), RetryClients.Attempts(response));
        Assert.InRange(starts.Count, 1, report.Attempts);
        Assert.Equal((RetryFailure.RequestTimeout, RetryStop.RequestTimeout), (report.Failure, report.Stop));
    }

    [Fact]
    public async Task Returns504_WhenEveryTryTimesOut()
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            return Hang.UntilAbortedAsync(context);
        });
        var policy = RetryClients.Retries(2, RetryCondition.Reset) with { PerTryTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = RetryClients.Create(policy);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("per-try", Assert.Single(response.Headers.GetValues(RetryHandler.TimeoutHeader)));
        Assert.Equal("2", RetryClients.Attempts(response));
        var report = RetryClients.Report(request);
        Assert.Equal((RetryFailure.PerTryTimeout, RetryStop.AttemptsExhausted), (report.Failure, report.Stop));
    }

    [Fact]
    public async Task DoesNotRetryAPost_WhoseTryTimedOut()
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            return Hang.UntilAbortedAsync(context);
        });
        var policy = RetryClients.Retries(3, RetryCondition.GatewayError, RetryCondition.ConnectFailure) with { PerTryTimeout = TimeSpan.FromMilliseconds(200) };
        using var client = RetryClients.Create(policy);
        using var request = RetryClients.Request(HttpMethod.Post, backend.Address, new StringContent("{\"pay\":1}"));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("1", RetryClients.Attempts(response));
        Assert.Equal(1, tries);
        Assert.Equal(RetryStop.Unsafe, RetryClients.Report(request).Stop);
    }

    [Fact]
    public async Task RethrowsTheCancellation_WithoutRetryingOrAnswering504_WhenTheCallerCancels()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            arrived.TrySetResult();
            return Hang.UntilAbortedAsync(context);
        });
        var policy = RetryClients.Retries(3, RetryCondition.GatewayError, RetryCondition.Reset) with { PerTryTimeout = TimeSpan.FromSeconds(5) };
        using var client = RetryClients.Create(policy, new TimeoutPolicy { Request = TimeSpan.FromSeconds(10) });
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var sending = client.SendAsync(request, caller.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        var report = RetryClients.Report(request);
        Assert.Equal((1, RetryStop.Canceled), (report.Attempts, report.Stop));
    }
}
