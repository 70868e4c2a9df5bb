using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>The compiler's output: the graph, one route table per healthy service, and every finding.</summary>
public sealed record MeshCompilation
{
    public required AgreementGraph Graph { get; init; }

    /// <summary>One table per service that compiled without error, keyed by service.</summary>
    public required IReadOnlyDictionary<ServiceId, RouteTable.RouteTable> RouteTables { get; init; }

    /// <summary>Services with errors: they get no new table (a running sidecar keeps its last good one).</summary>
    public required IReadOnlySet<ServiceId> Failed { get; init; }

    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
