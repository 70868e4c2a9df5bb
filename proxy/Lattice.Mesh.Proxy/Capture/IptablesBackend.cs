namespace Lattice.Mesh.Proxy.Capture;

/// <summary>Which iptables writes the rules: the one that works here (and already holds rules), or one named.</summary>
public enum IptablesBackend
{
    /// <summary>Detect: of the backends whose nat table answers, the one that already holds rules; nf_tables when both or neither do.</summary>
    Auto,

    /// <summary><c>iptables-nft</c>: nf_tables, Debian's default since 10 and what kernels without ip_tables need.</summary>
    Nft,

    /// <summary><c>iptables-legacy</c>: x_tables, for nodes whose kubelet and CNI still use it.</summary>
    Legacy,
}
