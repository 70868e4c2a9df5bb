using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>Caller-side retries to one destination.</summary>
public sealed record RetryPolicy
{
    /// <summary>Tries in all, the first included.</summary>
    public required int Attempts { get; init; }

    /// <summary>The limit on one try; none means only the request timeout applies.</summary>
    public TimeSpan? PerTryTimeout { get; init; }

    public required ImmutableArray<RetryCondition> RetryOn { get; init; }

    public bool Equals(RetryPolicy? other) =>
        other is not null && Attempts == other.Attempts && PerTryTimeout == other.PerTryTimeout && Sequence.Equal(RetryOn, other.RetryOn);

    public override int GetHashCode() => HashCode.Combine(Attempts, PerTryTimeout, Sequence.Hash(RetryOn));
}
