namespace Lattice.Mesh.RouteTable;

/// <summary>Caller-side timeouts to one destination.</summary>
public sealed record TimeoutPolicy
{
    /// <summary>Covers every try until the response headers arrive; expiry is 504.</summary>
    public TimeSpan? Request { get; init; }

    /// <summary>Covers a streaming response body once headers have arrived: the longest gap between bytes.</summary>
    public TimeSpan? Idle { get; init; }
}
