using System.Net;
using System.Net.Sockets;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>An address nothing listens on: a port the system gave a listener that has since stopped.</summary>
internal static class RefusedPort
{
    public static Uri Address()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
