using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>A live edge: <see cref="Caller"/> declared the callee outbound and <see cref="Callee"/> declared the caller inbound.</summary>
public sealed record Agreement
{
    public required ServiceId Caller { get; init; }

    public required ServiceId Callee { get; init; }

    /// <summary>The caller's retries (from its outbound declaration).</summary>
    public RetryPolicy? Retries { get; init; }

    /// <summary>The caller's timeouts (from its outbound declaration).</summary>
    public TimeoutPolicy? Timeout { get; init; }

    /// <summary>The callee's limit on this caller (from its inbound declaration), as declared.</summary>
    public RateLimitSpec? RateLimit { get; init; }
}
