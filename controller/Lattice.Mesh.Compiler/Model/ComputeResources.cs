namespace Lattice.Mesh.Compiler.Model;

/// <summary>CPU and memory requests and limits, as Kubernetes quantities (<c>100m</c>, <c>256Mi</c>).</summary>
public sealed record ComputeResources(IReadOnlyDictionary<string, string> Requests, IReadOnlyDictionary<string, string> Limits);
