namespace Lattice.Mesh.RouteTable;

/// <summary>
/// An inbound rate limit for one caller. The declared limit holds for the service as a whole; with
/// <see cref="Replicas"/> replicas each sidecar enforces ceil(limit / replicas), the per-replica figures.
/// </summary>
public sealed record RateLimitPolicy
{
    /// <summary>The declared limit for the whole service.</summary>
    public required int RequestsPerInterval { get; init; }

    public required int IntervalSeconds { get; init; }

    /// <summary>The declared burst for the whole service (defaults to <see cref="RequestsPerInterval"/>).</summary>
    public required int Burst { get; init; }

    /// <summary>The replica count the limit was divided by.</summary>
    public required int Replicas { get; init; }

    /// <summary>What one sidecar enforces: ceil(<see cref="RequestsPerInterval"/> / <see cref="Replicas"/>).</summary>
    public required int PerReplicaRequestsPerInterval { get; init; }

    /// <summary>What one sidecar allows at once: ceil(<see cref="Burst"/> / <see cref="Replicas"/>).</summary>
    public required int PerReplicaBurst { get; init; }

    /// <summary>The policy for a declared limit divided across <paramref name="replicas"/> sidecars.</summary>
    /// <param name="requestsPerInterval">The declared limit for the whole service.</param>
    /// <param name="intervalSeconds">The interval the limit counts over.</param>
    /// <param name="burst">The declared burst, or null for the limit itself.</param>
    /// <param name="replicas">How many sidecars share the limit; below 1 counts as 1.</param>
    public static RateLimitPolicy Divide(int requestsPerInterval, int intervalSeconds, int? burst, int replicas)
    {
        replicas = Math.Max(1, replicas);
        var declaredBurst = burst ?? requestsPerInterval;
        return new RateLimitPolicy
        {
            RequestsPerInterval = requestsPerInterval,
            IntervalSeconds = intervalSeconds,
            Burst = declaredBurst,
            Replicas = replicas,
            PerReplicaRequestsPerInterval = PerReplica(requestsPerInterval, replicas),
            PerReplicaBurst = PerReplica(declaredBurst, replicas),
        };
    }

    /// <summary>ceil(<paramref name="value"/> / <paramref name="replicas"/>), and never below 1.</summary>
    public static int PerReplica(int value, int replicas) => (int)Math.Max(1, ((long)value + replicas - 1) / replicas);
}
