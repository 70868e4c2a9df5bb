using System.Collections.Frozen;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// The gateway's route table in force, converted once into what a request needs: its destination by host (lower
/// case). Immutable; a new table makes a new instance, which is swapped in whole.
/// </summary>
internal sealed class GatewayRoutes
{
    private GatewayRoutes(RouteTable.RouteTable table, FrozenDictionary<string, GatewayDestination> byHost, FrozenDictionary<(string Address, string SpiffeId), HttpMessageInvoker> clients)
    {
        Table = table;
        ByHost = byHost;
        Clients = clients;
    }

    public RouteTable.RouteTable Table { get; }

    public FrozenDictionary<string, GatewayDestination> ByHost { get; }

    /// <summary>One client per sidecar address and identity, kept for the next table while both are unchanged (so are its pooled connections).</summary>
    private FrozenDictionary<(string Address, string SpiffeId), HttpMessageInvoker> Clients { get; }

    /// <summary>
    /// Validates <paramref name="table"/> whole and converts it; on failure <paramref name="failure"/> lists every
    /// error with its field and fix. Clients of <paramref name="previous"/> are reused where address and identity match.
    /// </summary>
    public static bool TryBuild(RouteTable.RouteTable table, GatewayRoutes? previous, GatewayClientFactory factory, out GatewayRoutes routes, out string failure)
    {
        ArgumentNullException.ThrowIfNull(table);
        routes = null!;
        var errors = RouteTableValidator.Validate(table);
        if (errors.Length > 0)
        {
            failure = $"route table {table.Revision} for {table.Service?.Namespace}/{table.Service?.Name} is invalid: {string.Join("; ", errors)}";
            return false;
        }

        var clients = new Dictionary<(string, string), HttpMessageInvoker>();
        var byHost = new Dictionary<string, GatewayDestination>(StringComparer.Ordinal);
        foreach (var host in table.Gateway)
        {
            var key = (host.Address, host.SpiffeId);
            if (!clients.TryGetValue(key, out var client))
            {
                client = previous?.Clients.GetValueOrDefault(key) ?? factory.Create(host.Address, host.SpiffeId);
                clients[key] = client;
            }

            byHost[Normalize(host.Host)] = new GatewayDestination(host, $"https://{host.Address}", client);
        }

        routes = new GatewayRoutes(table, byHost.ToFrozenDictionary(StringComparer.Ordinal), clients.ToFrozenDictionary());
        failure = string.Empty;
        return true;
    }

    /// <summary>A Host header's or SNI's host as the table is indexed: no port, no trailing dot, lower case.</summary>
    public static string Normalize(string host) => host.TrimEnd('.').ToLowerInvariant();
}
