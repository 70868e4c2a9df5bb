using System.Collections.Frozen;
using Lattice.Mesh.Proxy.Outbound;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// The one place a route table becomes forwarding state. It takes a table the validator accepted, so it never
/// sees a malformed one. A destination whose policy did not change keeps its client, and with it its pooled
/// connections, across reloads (its record compares by value).
/// </summary>
internal sealed class ProxySnapshotBuilder(PeerClientFactory clients, ProxyOptions options)
{
    public ProxySnapshot Build(RouteTable.RouteTable table, ProxySnapshot? previous)
    {
        var previousByService = previous?.Peers.Values.DistinctBy(p => p.Destination.Service).ToDictionary(p => p.Destination.Service, StringComparer.Ordinal);
        var peers = new Dictionary<string, PeerRoute>(StringComparer.OrdinalIgnoreCase);
        foreach (var destination in table.Outbound)
        {
            var route = previousByService?.GetValueOrDefault(destination.Service) is { } kept && kept.Destination == destination
                ? kept
                : new PeerRoute(destination, clients.Create(destination), PeerClientFactory.RequestConfig(destination, options), $"https://{destination.Address}");
            foreach (var host in destination.Hosts)
            {
                peers[host] = route;
            }
        }

        var denied = new Dictionary<string, DeniedDestination>(StringComparer.OrdinalIgnoreCase);
        foreach (var destination in table.Denied)
        {
            foreach (var host in destination.Hosts)
            {
                denied[host] = destination;
            }
        }

        var ports = table.Ports.ToFrozenDictionary(p => p.Port);
        return new ProxySnapshot
        {
            Table = table,
            ServiceKey = table.Service.ToString(),
            Peers = peers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            Denied = denied.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            Callers = table.Inbound.ToFrozenDictionary(c => c.SpiffeId, StringComparer.Ordinal),
            Ports = ports,
            AppAddresses = table.Ports.ToFrozenDictionary(p => p.Port, p => $"http://{options.AppHost}:{options.AppPortOverrides.GetValueOrDefault(p.TargetPort, p.TargetPort)}"),
            DefaultPort = table.Ports.FirstOrDefault(p => p.Name == "http") ?? table.Ports.FirstOrDefault(),
        };
    }
}
