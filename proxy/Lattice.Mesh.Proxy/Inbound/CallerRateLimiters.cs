using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Inbound;

/// <summary>
/// One limiter per caller, sized by the route table's per-replica figures. Limiters outlive reloads while
/// their policy is unchanged, so that reloading a table can never reset them; each has its own lock
/// (System.Threading.RateLimiting's), so callers never contend with each other.
/// </summary>
internal sealed class CallerRateLimiters : IDisposable
{
    private readonly ConcurrentDictionary<string, (RateLimitPolicy Policy, RateLimiter Limiter)> _limiters = new(StringComparer.Ordinal);

    /// <summary>The bucket for <paramref name="caller"/> under <paramref name="policy"/>, created or replaced as needed.</summary>
    /// <remarks>
    /// Called for every request of a rate-limited caller, so the path taken when the caller's bucket exists allocates
    /// nothing: the creation is a separate method, because a lambda capturing <paramref name="policy"/> here would cost
    /// its closure on every call, found or not.
    /// </remarks>
    public RateLimiter For(string caller, RateLimitPolicy policy) =>
        _limiters.TryGetValue(caller, out var entry) && entry.Policy == policy ? entry.Limiter : Replace(caller, policy);

    private RateLimiter Replace(string caller, RateLimitPolicy policy)
    {
        var created = (policy, Create(policy));
        var stored = _limiters.AddOrUpdate(caller, created, (_, existing) => existing.Policy == policy ? existing : created);
        if (!ReferenceEquals(stored.Limiter, created.Item2))
        {
            created.Item2.Dispose();
        }

        return stored.Limiter;
    }

    /// <summary>Drops the buckets of callers no longer in the table.</summary>
    public void Retain(IEnumerable<string> callers)
    {
        var keep = callers.ToHashSet(StringComparer.Ordinal);
        foreach (var caller in _limiters.Keys)
        {
            if (!keep.Contains(caller) && _limiters.TryRemove(caller, out var removed))
            {
                removed.Limiter.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var entry in _limiters.Values)
        {
            entry.Limiter.Dispose();
        }
    }

    /// <summary>Sliding windows in a limiter's interval: a request's permit comes back one segment (a tenth of the interval) at a time.</summary>
    internal const int SegmentsPerWindow = 10;

    /// <summary>A token bucket's shortest refill period: faster rates refill several tokens at a time.</summary>
    internal static readonly TimeSpan ShortestPeriod = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// "N requests per interval" is a sliding window: never more than N in any interval (to a tenth of it),
    /// so a burst at a window's edge cannot double it. A declared burst asks for a token bucket instead: up to
    /// burst at once, refilled steadily at N per interval.
    /// </summary>
    internal static RateLimiter Create(RateLimitPolicy policy)
    {
        var interval = TimeSpan.FromSeconds(policy.IntervalSeconds);
        if (policy.Burst == policy.RequestsPerInterval)
        {
            return new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
            {
                PermitLimit = policy.PerReplicaRequestsPerInterval,
                Window = interval,
                SegmentsPerWindow = SegmentsPerWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }

        // One token every interval / limit, batched when that would be under 50 ms to keep the timer cheap. Whole ticks
        // only after batching: above ten million a second one token takes under a tick, which would round to zero.
        long limit = policy.PerReplicaRequestsPerInterval;
        var tokensPerPeriod = Math.Max(1, ((ShortestPeriod.Ticks * limit) + interval.Ticks - 1) / interval.Ticks);

        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = policy.PerReplicaBurst,
            TokensPerPeriod = (int)tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(interval.Ticks * tokensPerPeriod / limit),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
