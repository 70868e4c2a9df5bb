using System.Collections.Frozen;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// The route table in force, compiled into what the request path needs: dictionary lookups by Host (outbound)
/// and by caller identity and port (inbound). Immutable; a new table is a new snapshot, swapped whole, so a
/// request that started on one snapshot finishes on it.
/// </summary>
internal sealed class ProxySnapshot
{
    public required RouteTable.RouteTable Table { get; init; }

    /// <summary>Allowed destinations by every Host that reaches them (case-insensitive).</summary>
    public required FrozenDictionary<string, PeerRoute> Peers { get; init; }

    /// <summary>Declared destinations whose agreement is one-sided, by Host: refused with the missing declaration named.</summary>
    public required FrozenDictionary<string, DeniedDestination> Denied { get; init; }

    /// <summary>Allowed callers by SPIFFE id.</summary>
    public required FrozenDictionary<string, InboundCaller> Callers { get; init; }

    /// <summary>The app's ports by service port number.</summary>
    public required FrozenDictionary<int, ServicePort> Ports { get; init; }

    /// <summary>Where inbound traffic goes when the Host names no port: the port named http, or the only or first one.</summary>
    public ServicePort? DefaultPort { get; init; }

    /// <summary>The app's address for each service port, e.g. <c>http://127.0.0.1:8989</c>, built once per table.</summary>
    public required FrozenDictionary<int, string> AppAddresses { get; init; }

    public string Revision => Table.Revision;

    public string ServiceName => Table.Service.Name;

    /// <summary>This service's key, <c>namespace/name</c>, built once per table for labels and messages.</summary>
    public required string ServiceKey { get; init; }
}
