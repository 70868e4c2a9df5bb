namespace Lattice.Mesh.Compiler.Model;

/// <summary>A declared limit: <see cref="RequestsPerInterval"/> every <see cref="IntervalSeconds"/>, with an optional burst.</summary>
public sealed record RateLimitSpec(int RequestsPerInterval, int IntervalSeconds, int? Burst);
