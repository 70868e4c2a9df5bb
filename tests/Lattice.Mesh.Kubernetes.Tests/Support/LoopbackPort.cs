using System.Net;
using System.Net.Sockets;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>Free TCP ports on 127.0.0.1, from the kernel: bind port 0, read it, release it.</summary>
/// <remarks>Another process can take the port before ours binds it, so callers retry with a new port when a start fails with "address already in use".</remarks>
internal static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Two distinct free ports.</summary>
    public static (int First, int Second) FreePair()
    {
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (((IPEndPoint)first.LocalEndPoint!).Port, ((IPEndPoint)second.LocalEndPoint!).Port);
    }
}
