using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Controller.Push;

/// <summary>What the push channel serves for one compilation: every service's table, and the gateway's under its identity.</summary>
public static class ServedTables
{
    /// <summary>
    /// The compilation's tables keyed by the identity that receives each: the services', plus the gateway's table
    /// (every ingress host) for <paramref name="gateway"/>, so that the gateway is fed like a sidecar.
    /// </summary>
    public static IReadOnlyDictionary<ServiceId, RouteTable.RouteTable> Of(MeshCompilation compilation, ServiceId gateway)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        if (compilation.GatewayTable is not { } table)
        {
            return compilation.RouteTables;
        }

        return new Dictionary<ServiceId, RouteTable.RouteTable>(compilation.RouteTables) { [gateway] = table };
    }
}
