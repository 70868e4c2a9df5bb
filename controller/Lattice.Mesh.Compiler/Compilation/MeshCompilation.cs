using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>The compiler's output: the graph, one route table per healthy service, the gateway's table, and every finding.</summary>
public sealed record MeshCompilation
{
    public required AgreementGraph Graph { get; init; }

    /// <summary>One table per service that compiled without error, keyed by service.</summary>
    public required IReadOnlyDictionary<ServiceId, RouteTable.RouteTable> RouteTables { get; init; }

    /// <summary>
    /// The gateway's table (<see cref="CompilerOptions.Gateway"/>): one <see cref="GatewayHost"/> per ingress host of
    /// every service in <see cref="RouteTables"/>, sorted by host. Null when no service declares <c>ingress</c>.
    /// </summary>
    public RouteTable.RouteTable? GatewayTable { get; init; }

    /// <summary>Services with errors: they get no new table (a running sidecar keeps its last good one).</summary>
    public required IReadOnlySet<ServiceId> Failed { get; init; }

    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
