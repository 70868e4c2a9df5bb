using Lattice.Mesh.Kubernetes;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>The pod annotations the injector reads and writes (besides <see cref="Labels.Inject"/> and <see cref="Labels.Service"/>).</summary>
public static class InjectorAnnotations
{
    /// <summary>Written on every injected pod; its presence alone marks the pod as injected.</summary>
    public const string Status = "lattice.dev/status";

    public const string StatusInjected = "injected";

    /// <summary>How the app's traffic reaches the proxy: <see cref="CaptureIptables"/> or <see cref="CaptureProxyEnv"/>.</summary>
    public const string Capture = "lattice.dev/capture";

    /// <summary>An init container with NET_ADMIN redirects inbound and outbound TCP to the proxy.</summary>
    public const string CaptureIptables = "iptables";

    /// <summary>No privilege: the app containers get HTTP_PROXY and NO_PROXY and send their HTTP through the proxy themselves.</summary>
    public const string CaptureProxyEnv = "proxy-env";

    /// <summary>Comma-separated ports whose inbound traffic bypasses the proxy (iptables capture).</summary>
    public const string ExcludeInboundPorts = "lattice.dev/exclude-inbound-ports";

    /// <summary>Comma-separated destination ports whose outbound traffic bypasses the proxy (iptables capture).</summary>
    public const string ExcludeOutboundPorts = "lattice.dev/exclude-outbound-ports";

    public const string ProxyCpu = "lattice.dev/proxy-cpu";

    public const string ProxyMemory = "lattice.dev/proxy-memory";

    public const string ProxyCpuLimit = "lattice.dev/proxy-cpu-limit";

    public const string ProxyMemoryLimit = "lattice.dev/proxy-memory-limit";
}
