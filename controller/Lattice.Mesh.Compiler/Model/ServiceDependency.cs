using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Model;

/// <summary>
/// One side of an agreement with another mesh service (the resource's key is that service's name). The
/// caller's side carries the caller's policy (retries, timeouts); the callee's side carries the callee's
/// (its rate limit on this caller).
/// </summary>
public sealed record ServiceDependency : ResourceSpec
{
    public required Direction Direction { get; init; }

    /// <summary>The other service's namespace, when it is not the declaring service's.</summary>
    public string? Namespace { get; init; }

    public RetryPolicy? Retries { get; init; }

    public TimeoutPolicy? Timeout { get; init; }

    public RateLimitSpec? RateLimit { get; init; }

    public bool AllowsOutbound => Direction is Direction.Outbound or Direction.Both;

    public bool AllowsInbound => Direction is Direction.Inbound or Direction.Both;
}
