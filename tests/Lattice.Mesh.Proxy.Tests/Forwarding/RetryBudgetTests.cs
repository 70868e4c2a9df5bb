using Lattice.Mesh.Proxy.Forwarding;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>The budget: a ratio of the window's requests plus a per-second reserve, never more.</summary>
public sealed class RetryBudgetTests
{
    [Fact]
    public void GrantsTheReserve_WithNoRequests()
    {
        var budget = new RetryBudget(new ManualTimeProvider(), retryRatio: 0.2, minRetriesPerSecond: 2, window: TimeSpan.FromSeconds(10));

        Assert.Equal(20, Withdraw(budget, 100));
    }

    [Fact]
    public void GrantsTheRatioOfRequests_WithNoReserve()
    {
        var budget = new RetryBudget(new ManualTimeProvider(), retryRatio: 0.2, minRetriesPerSecond: 0);
        Record(budget, 100);

        Assert.Equal(20, Withdraw(budget, 100));
        Assert.Equal((100, 20), budget.Snapshot());
    }

    [Fact]
    public void ForgetsRequestsAndRetries_OnceTheyLeaveTheWindow()
    {
        var time = new ManualTimeProvider();
        var budget = new RetryBudget(time, retryRatio: 0.5, minRetriesPerSecond: 0, window: TimeSpan.FromSeconds(10));
        Record(budget, 10);
        Assert.Equal(5, Withdraw(budget, 10));

        // Half a window later the old requests still count, and so do the retries they paid for.
        time.Advance(TimeSpan.FromSeconds(5));
        Record(budget, 10);
        Assert.Equal(5, Withdraw(budget, 10));

        // A window after the first batch, only the second batch and its retries remain.
        time.Advance(TimeSpan.FromSeconds(5.5));
        Assert.Equal((10, 5), budget.Snapshot());
        Assert.Equal(0, Withdraw(budget, 10));
        Record(budget, 4);
        Assert.Equal(2, Withdraw(budget, 10));

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal((0, 0), budget.Snapshot());
        Assert.Equal(0, Withdraw(budget, 10));
    }

    [Fact]
    public async Task NeverGrantsPastTheLimit_UnderContention()
    {
        var budget = new RetryBudget(TimeProvider.System, retryRatio: 0.2, minRetriesPerSecond: 0);
        Record(budget, 1000);
        var granted = 0;
        using var start = new Barrier(4);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(
            () =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                Interlocked.Add(ref granted, Withdraw(budget, 1000));
            },
            TestContext.Current.CancellationToken)));

        Assert.Equal(200, granted);
        Assert.Equal(200, budget.Snapshot().Retries);
    }

    [Fact]
    public void RefusesEverything_WithNoRatioAndNoReserve()
    {
        var budget = new RetryBudget(new ManualTimeProvider(), retryRatio: 0, minRetriesPerSecond: 0);
        Record(budget, 1000);

        Assert.Equal(0, Withdraw(budget, 10));
    }

    private static void Record(RetryBudget budget, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            budget.RecordRequest();
        }
    }

    private static int Withdraw(RetryBudget budget, int tries)
    {
        var granted = 0;
        for (var i = 0; i < tries; i++)
        {
            granted += budget.TryWithdraw() ? 1 : 0;
        }

        return granted;
    }
}
