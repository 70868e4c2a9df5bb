namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// Bounds the retries to one destination so that an outage cannot turn into a retry storm (gateway-api#3388):
/// over a sliding window, retries may add at most <see cref="RetryRatio"/> of the requests, plus a reserve of
/// <see cref="MinRetriesPerSecond"/> for every second of the window so that low traffic can still retry.
/// This is Finagle's and Linkerd's (tower's) budget: <c>retries &lt;= ratio * requests + minPerSecond * window</c>.
/// </summary>
/// <remarks>
/// One instance per destination, shared by every <see cref="RetryHandler"/> built for it, so keep it across route-table
/// reloads. Thread-safe without a lock: the window is <see cref="BucketCount"/> time buckets, each a single 64-bit word
/// holding the bucket's epoch (high 32 bits) and its count (low 32 bits), updated by compare-and-swap; a bucket is reset
/// by the first writer that finds it holding an expired epoch.
/// </remarks>
internal sealed class RetryBudget
{
    public const double DefaultRetryRatio = 0.2;
    public const int DefaultMinRetriesPerSecond = 10;
    public const int BucketCount = 10;

    private const long CountMask = 0xFFFF_FFFFL;

    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly long _timestampsPerBucket;
    private readonly double _reserve;
    private readonly long[] _requests = new long[BucketCount];
    private readonly long[] _retries = new long[BucketCount];

    /// <param name="time">The clock; tests pass a manual one.</param>
    /// <param name="retryRatio">Retries allowed per request, over the window: 0.2 lets retries add 20% load.</param>
    /// <param name="minRetriesPerSecond">Retries always allowed, per second of the window, however few the requests.</param>
    /// <param name="window">How long a request or a retry counts; ten seconds when omitted.</param>
    public RetryBudget(TimeProvider time, double retryRatio = DefaultRetryRatio, int minRetriesPerSecond = DefaultMinRetriesPerSecond, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!double.IsFinite(retryRatio) || retryRatio < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retryRatio), retryRatio, "Give a retry ratio of zero or more, such as 0.2.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(minRetriesPerSecond);
        var span = window ?? DefaultWindow;
        if (span < TimeSpan.FromMilliseconds(BucketCount) || span > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(window), span, "Give a window from 10ms to 1h, such as 10s.");
        }

        _time = time;
        _origin = time.GetTimestamp();
        _timestampsPerBucket = Math.Max(1, (long)(span.TotalSeconds * time.TimestampFrequency / BucketCount));
        RetryRatio = retryRatio;
        MinRetriesPerSecond = minRetriesPerSecond;
        Window = span;
        _reserve = minRetriesPerSecond * span.TotalSeconds;
    }

    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromSeconds(10);

    public double RetryRatio { get; }

    public int MinRetriesPerSecond { get; }

    public TimeSpan Window { get; }

    /// <summary>Counts a request (a first try). Every request counts, whether or not it is ever retried.</summary>
    public void RecordRequest() => Add(_requests, CurrentEpoch(), 1);

    /// <summary>Takes one retry from the budget; false when the budget is spent and the retry must not happen.</summary>
    public bool TryWithdraw()
    {
        var epoch = CurrentEpoch();

        // Claim first, then check: two racing withdrawals can both be refused near the limit, never both granted past it.
        Add(_retries, epoch, 1);
        var retries = Sum(_retries, epoch);
        var requests = Sum(_requests, epoch);
        if (retries <= (RetryRatio * requests) + _reserve)
        {
            return true;
        }

        Add(_retries, epoch, -1);
        return false;
    }

    /// <summary>Requests and retries counted in the current window: for tests and diagnostics.</summary>
    public (long Requests, long Retries) Snapshot()
    {
        var epoch = CurrentEpoch();
        return (Sum(_requests, epoch), Sum(_retries, epoch));
    }

    // Epochs count buckets since construction; 31 bits of them last 68 years at one-second buckets.
    private long CurrentEpoch() => ((_time.GetTimestamp() - _origin) / _timestampsPerBucket) & 0x7FFF_FFFFL;

    private static void Add(long[] buckets, long epoch, int delta)
    {
        ref var slot = ref buckets[epoch % BucketCount];
        while (true)
        {
            var current = Volatile.Read(ref slot);
            long next;
            if ((current >> 32) == epoch)
            {
                var count = (current & CountMask) + delta;
                if (count is < 0 or > CountMask)
                {
                    return;
                }

                next = (epoch << 32) | count;
            }
            else if (delta > 0)
            {
                // The slot holds an expired bucket: start this one.
                next = (epoch << 32) | (long)delta;
            }
            else
            {
                // Undoing a claim whose bucket has since expired: nothing left to undo.
                return;
            }

            if (Interlocked.CompareExchange(ref slot, next, current) == current)
            {
                return;
            }
        }
    }

    private static long Sum(long[] buckets, long epoch)
    {
        long total = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            var value = Volatile.Read(ref buckets[i]);
            var age = epoch - (value >> 32);
            if (age is >= 0 and < BucketCount)
            {
                total += value & CountMask;
            }
        }

        return total;
    }
}
