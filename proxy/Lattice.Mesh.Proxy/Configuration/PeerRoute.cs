using Lattice.Mesh.RouteTable;
using Yarp.ReverseProxy.Forwarder;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>An allowed destination, ready to forward to: its policy, its pooled mTLS client, its request settings.</summary>
internal sealed record PeerRoute(OutboundDestination Destination, HttpMessageInvoker Client, ForwarderRequestConfig RequestConfig, string DestinationPrefix);
