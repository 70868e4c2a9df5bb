using Lattice.Mesh.Kubernetes;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>The names, paths and ports of what the injector adds to a pod.</summary>
public static class SidecarLayout
{
    public const string ProxyContainer = "lattice-proxy";

    public const string CaptureContainer = "lattice-capture";

    /// <summary>An in-memory emptyDir: the proxy's route table, certificate and key.</summary>
    public const string FilesVolume = "lattice-certs";

    public const string FilesPath = "/var/run/lattice";

    /// <summary>The mesh CA's certificate, from the ConfigMap the controller publishes in each meshed namespace.</summary>
    public const string TrustVolume = "lattice-ca";

    public const string TrustConfigMap = "lattice-mesh-ca";

    public const string TrustKey = "ca.crt";

    public const string TrustPath = "/var/run/lattice/ca";

    /// <summary>The pod's projected ServiceAccount token for the mesh's audience: the proxy's credential for its certificate.</summary>
    public const string TokenVolume = "lattice-token";

    public const string TokenPath = "/var/run/secrets/lattice";

    public const string TokenFile = "token";

    public const string TokenAudience = CertificateProtocol.TokenAudience;

    public const long TokenExpirationSeconds = 3600;

    public const int AdminPort = 15000;

    public const int OutboundPort = 15001;

    public const int InboundPort = Labels.SidecarInboundPort;

    /// <summary>The proxy's admin path that answers a rewritten app probe: <c>/app-health/&lt;container&gt;/&lt;livez|readyz|startupz&gt;</c>.</summary>
    public const string AppHealthPath = "/app-health";

    /// <summary>The proxy's environment variable holding the app's original probes, keyed by their <see cref="AppHealthPath"/> path.</summary>
    public const string AppProbesVariable = "LATTICE_APP_PROBES";
}
