namespace Lattice.Mesh.Proxy.Admin;

/// <summary>A tcpSocket probe: healthy when a TCP connection to the app's port opens.</summary>
internal sealed record TcpSocketProbe : AppProbe;
