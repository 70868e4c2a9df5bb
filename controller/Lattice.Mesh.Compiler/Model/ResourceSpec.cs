namespace Lattice.Mesh.Compiler.Model;

/// <summary>An entry of <c>spec.resources</c>: something the service depends on or offers, keyed by name.</summary>
public abstract record ResourceSpec
{
    /// <summary>The key in <c>spec.resources</c>.</summary>
    public required string Name { get; init; }
}
