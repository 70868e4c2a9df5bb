using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Controller.Push;

/// <summary>What the push channel serves for one compilation: every service's table, and the gateway's under its identity.</summary>
public static class ServedTables
{
    /// <summary>
    /// The compilation's tables keyed by the identity that receives each: the services', plus the gateway's table
    /// (every ingress host) for <paramref name="gateway"/>, so that the gateway is fed like a sidecar.
    /// <para>
    /// A service in <paramref name="keep"/> (it failed to parse or compile) keeps serving its last good table, and the
    /// gateway keeps serving its hosts as <paramref name="previousGateway"/> had them, unless a service that compiled
    /// now claims the host: one bad edit does not take a site off the air.
    /// </para>
    /// </summary>
    public static IReadOnlyDictionary<ServiceId, RouteTable.RouteTable> Of(MeshCompilation compilation, ServiceId gateway, RouteTable.RouteTable? previousGateway = null, IReadOnlySet<ServiceId>? keep = null)
    {
        ArgumentNullException.ThrowIfNull(compilation);
        var table = compilation.GatewayTable;
        if (previousGateway is not null && keep is { Count: > 0 })
        {
            var served = table?.Gateway.Select(h => h.Host).ToHashSet(StringComparer.Ordinal) ?? [];
            var kept = previousGateway.Gateway
                .Where(h => ServiceId.TryParse(h.Service, out var owner) && keep.Contains(owner) && !served.Contains(h.Host))
                .ToList();
            if (kept.Count > 0)
            {
                var hosts = (table?.Gateway ?? []).Concat(kept).OrderBy(h => h.Host, StringComparer.Ordinal);
                table = RouteTableRevision.Stamp((table ?? previousGateway) with { Gateway = [.. hosts] });
            }
        }

        if (table is null)
        {
            return compilation.RouteTables;
        }

        return new Dictionary<ServiceId, RouteTable.RouteTable>(compilation.RouteTables) { [gateway] = table };
    }
}
