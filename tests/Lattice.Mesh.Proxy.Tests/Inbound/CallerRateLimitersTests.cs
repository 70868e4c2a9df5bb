using System.Threading.RateLimiting;
using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Inbound;

/// <summary>The callers' buckets: kept while their policy holds, cheap on every request, built for any rate the compiler allows.</summary>
public sealed class CallerRateLimitersTests
{
    private const string Sonarr = "spiffe://lattice.local/ns/media/sa/sonarr";

    [Fact]
    public void KeepsACallersBucket_AndAllocatesNothing_WhileItsPolicyIsUnchanged()
    {
        using var limiters = new CallerRateLimiters();
        var policy = RateLimitPolicy.Divide(1000, 60, burst: null, replicas: 1);
        var first = limiters.For(Sonarr, policy);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(first, limiters.For(Sonarr, policy));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(first, limiters.For(Sonarr, policy with { }));
    }

    [Fact]
    public void ReplacesACallersBucket_WhenItsPolicyChanges()
    {
        using var limiters = new CallerRateLimiters();
        var first = limiters.For(Sonarr, RateLimitPolicy.Divide(1000, 60, burst: null, replicas: 1));

        var second = limiters.For(Sonarr, RateLimitPolicy.Divide(2000, 60, burst: null, replicas: 1));

        Assert.NotSame(first, second);
        Assert.Equal(2000, second.GetStatistics()!.CurrentAvailablePermits);
    }

    [Theory]
    [InlineData(1000, 60, 1, 60)] // one token every 60 ms
    [InlineData(100, 1, 5, 50)] // one every 10 ms: five at a time
    [InlineData(100_000_000, 1, 5_000_000, 50)] // the compiler's highest rate: a token every tenth of a tick
    public void RefillsATokenBucket_AtTheDeclaredRate_AtMostEvery50ms(int requests, int intervalSeconds, int tokensPerPeriod, int periodMilliseconds)
    {
        using var limiter = Assert.IsType<TokenBucketRateLimiter>(CallerRateLimiters.Create(RateLimitPolicy.Divide(requests, intervalSeconds, burst: 10, replicas: 1)));

        Assert.Equal(TimeSpan.FromMilliseconds(periodMilliseconds), limiter.ReplenishmentPeriod);
        Assert.Equal((double)requests / intervalSeconds, tokensPerPeriod / limiter.ReplenishmentPeriod.TotalSeconds, 6);
        using var burst = limiter.AttemptAcquire(10);
        using var over = limiter.AttemptAcquire();
        Assert.True(burst.IsAcquired);
        Assert.False(over.IsAcquired);
    }
}
