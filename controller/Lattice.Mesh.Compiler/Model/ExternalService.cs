namespace Lattice.Mesh.Compiler.Model;

/// <summary>Something outside the mesh the service calls, by named endpoint URL.</summary>
public sealed record ExternalService : ResourceSpec
{
    public required IReadOnlyDictionary<string, Uri> Endpoints { get; init; }
}
