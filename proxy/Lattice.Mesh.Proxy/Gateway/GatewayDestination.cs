using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>One host's destination, built once per table (not per request): the sidecar's URL prefix and the mesh client towards it.</summary>
internal sealed class GatewayDestination(GatewayHost host, string prefix, HttpMessageInvoker client)
{
    public GatewayHost Host { get; } = host;

    /// <summary><c>https://&lt;address&gt;</c>: the service sidecar's inbound listener.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>The pooled mesh mTLS client for this sidecar and identity, shared across tables while both are unchanged.</summary>
    public HttpMessageInvoker Client { get; } = client;
}
