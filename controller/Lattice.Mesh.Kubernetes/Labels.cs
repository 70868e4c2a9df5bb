namespace Lattice.Mesh.Kubernetes;

/// <summary>The labels and names the controller puts on what it renders, and the injector and gateway select by.</summary>
public static class Labels
{
    public const string Name = "app.kubernetes.io/name";

    public const string ManagedBy = "app.kubernetes.io/managed-by";

    public const string ManagedByValue = "lattice-mesh";

    /// <summary>What part of the mesh an object the controller manages in its own namespace is: <see cref="GatewayComponent"/> or <see cref="IngressCertificateComponent"/>.</summary>
    public const string Component = "app.kubernetes.io/component";

    /// <summary>The ingress gateway's ServiceAccount, Service and Deployment.</summary>
    public const string GatewayComponent = "gateway";

    /// <summary>A TLS Secret (or cert-manager Certificate) the gateway serves for ingress hosts.</summary>
    public const string IngressCertificateComponent = "ingress-certificate";

    /// <summary>The LatticeService a workload belongs to; the Deployment's selector.</summary>
    public const string Service = "lattice.dev/service";

    /// <summary>On a pod: asks the injector for a sidecar ("true") or opts out ("false").</summary>
    public const string Inject = "lattice.dev/inject";

    /// <summary>On a namespace: "enabled" meshes every pod in it.</summary>
    public const string Mesh = "lattice.dev/mesh";

    /// <summary>On a claim: the service that owns the volume, and the volume's resource name.</summary>
    public const string VolumeOwner = "lattice.dev/volume-owner";

    /// <inheritdoc cref="VolumeOwner"/>
    public const string Volume = "lattice.dev/volume";

    /// <summary>The field manager of every server-side apply the controller makes.</summary>
    public const string FieldManager = "lattice-mesh-controller";

    /// <summary>Where the mesh's own components run.</summary>
    public const string SystemNamespace = "lattice-system";

    /// <summary>The sidecar's inbound (mutual TLS) port: the only port the NetworkPolicy opens.</summary>
    public const int SidecarInboundPort = 15006;
}
