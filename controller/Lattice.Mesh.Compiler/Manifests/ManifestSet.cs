using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>What a path held: the LatticeServices that read cleanly, every finding, and what was read.</summary>
public sealed record ManifestSet
{
    public required IReadOnlyList<LatticeService> Services { get; init; }

    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }

    /// <summary>The files read, in reading order.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Documents of other kinds (a Namespace, say), passed over without error.</summary>
    public int OtherDocuments { get; init; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
