using Lattice.Mesh.Proxy.Inbound;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Inbound;

/// <summary>The callers' buckets: kept while their policy holds, cheap on every request.</summary>
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
}
