using System.Globalization;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes.Rendering;

/// <summary>
/// The ingress gateway in the controller's namespace. <see cref="Render"/> is what <c>deploy/gateway</c> installs: its
/// ServiceAccount (its mesh identity), a LoadBalancer Service (80 and 443), and a Deployment of <c>lattice-proxy gateway</c>
/// that gets its mesh certificate and its route table from the controller as a sidecar does (with a projected token for
/// audience <see cref="CertificateProtocol.TokenAudience"/>). <see cref="IngressMounts"/> is the controller's part of that
/// Deployment, and all the controller writes to it: each ingress TLS Secret mounted in a folder of its own, which the
/// kubelet keeps current. One owner per field, so <c>kubectl apply -k deploy/</c> and the controller never undo each
/// other. Pure and deterministic.
/// </summary>
public static class GatewayRenderer
{
    /// <summary>The gateway's container.</summary>
    public const string Container = "gateway";

    /// <summary>An in-memory emptyDir: the gateway's route table, mesh certificate and key, as the sidecar's.</summary>
    public const string FilesPath = "/var/run/lattice";

    /// <summary>The mesh CA (ConfigMap <c>lattice-mesh-ca</c>, published in the controller's namespace too).</summary>
    public const string TrustPath = "/var/run/lattice/ca";

    /// <summary>The projected ServiceAccount token: the same audience, file and lifetime as the injected sidecar's.</summary>
    public const string TokenPath = "/var/run/secrets/lattice";

    public const string TokenFile = "token";

    public const long TokenExpirationSeconds = 3600;

    /// <summary>Each ingress TLS Secret is mounted in a folder of this one named as the Secret; the gateway indexes them all.</summary>
    public const string IngressSecretsPath = "/etc/lattice/ingress";

    public const int HttpPort = 8080;

    public const int HttpsPort = 8443;

    public const int PublicHttpPort = 80;

    public const int PublicHttpsPort = 443;

    /// <summary>The gateway's status listener (its default port): <see cref="ReadinessPath"/> answers 200 once it has a table and a mesh certificate.</summary>
    public const int StatusPort = 15021;

    public const string ReadinessPath = "/healthz/ready";

    /// <summary>The proxy's user and group, as in the sidecar.</summary>
    public const long ProxyUid = 1337;

    private const string FilesVolume = "lattice-files";
    private const string TrustVolume = "lattice-ca";
    private const string TokenVolume = "lattice-token";
    private const string TrustKey = "ca.crt";
    private const string Tcp = "TCP";

    /// <summary>The installed gateway, as <c>deploy/gateway</c> has it: no ingress Secret yet.</summary>
    public static RenderedGateway Render(GatewayRenderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RenderedGateway
        {
            ServiceAccount = new V1ServiceAccount
            {
                ApiVersion = V1ServiceAccount.KubeApiVersion,
                Kind = V1ServiceAccount.KubeKind,
                Metadata = Metadata(context, WorkloadRenderer.Sorted([new(WorkloadRenderer.SpiffeIdAnnotation, SpiffeId.For(context.TrustDomain, context.Gateway.Namespace, context.Gateway.Name))])),
                AutomountServiceAccountToken = false,
            },
            Service = new V1Service
            {
                ApiVersion = V1Service.KubeApiVersion,
                Kind = V1Service.KubeKind,
                Metadata = Metadata(context),
                Spec = new V1ServiceSpec
                {
                    Type = "LoadBalancer",
                    Selector = Selector(context),
                    Ports =
                    [
                        new V1ServicePort { Name = "http", Port = PublicHttpPort, TargetPort = HttpPort, Protocol = Tcp },
                        new V1ServicePort { Name = "https", Port = PublicHttpsPort, TargetPort = HttpsPort, Protocol = Tcp },
                    ],
                },
            },
            Deployment = Deployment(context),
        };
    }

    /// <summary>The pod volume of an ingress TLS Secret: its name when that is a DNS label, else one made from it.</summary>
    public static string VolumeOf(string secret) => KubernetesNames.Label(secret);

    /// <summary>
    /// The controller's server-side apply of the installed gateway <paramref name="gateway"/>: an optional Secret volume
    /// per ingress Secret in <paramref name="secrets"/> (sorted, without duplicates) and its read-only mount in the
    /// gateway container, nothing else. Applying it with fewer Secrets removes the ones left out.
    /// </summary>
    public static V1Deployment IngressMounts(ServiceId gateway, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var sorted = secrets.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new V1Deployment
        {
            ApiVersion = $"{V1Deployment.KubeGroup}/{V1Deployment.KubeApiVersion}",
            Kind = V1Deployment.KubeKind,
            Metadata = new V1ObjectMeta { Name = gateway.Name, NamespaceProperty = gateway.Namespace },
            Spec = new V1DeploymentSpec
            {
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = Container,
                                VolumeMounts = [.. sorted.Select(secret => new V1VolumeMount { Name = VolumeOf(secret), MountPath = $"{IngressSecretsPath}/{secret}", ReadOnlyProperty = true })],
                            },
                        ],

                        // Optional: a Secret that cert-manager has not written yet, or a user's that is missing, must not
                        // keep the gateway from starting; the kubelet fills the folder in when the Secret appears.
                        Volumes = [.. sorted.Select(secret => new V1Volume { Name = VolumeOf(secret), Secret = new V1SecretVolumeSource { SecretName = secret, Optional = true } })],
                    },
                },
            },
        };
    }

    private static V1Deployment Deployment(GatewayRenderContext context)
    {
        var podLabels = Labels(context);
        podLabels[Kubernetes.Labels.Inject] = "false"; // the gateway is a proxy itself: the injector must not add another

        return new V1Deployment
        {
            ApiVersion = $"{V1Deployment.KubeGroup}/{V1Deployment.KubeApiVersion}",
            Kind = V1Deployment.KubeKind,
            Metadata = Metadata(context),
            Spec = new V1DeploymentSpec
            {
                Replicas = context.Replicas,
                Selector = new V1LabelSelector { MatchLabels = Selector(context) },

                // A new pod is ready before an old one goes: ingress never drops to fewer replicas than asked for.
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = 0, MaxSurge = 1 } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = WorkloadRenderer.Sorted(podLabels) },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = context.Gateway.Name,
                        AutomountServiceAccountToken = false,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            RunAsUser = ProxyUid,
                            RunAsGroup = ProxyUid,
                            FsGroup = ProxyUid, // the projected token and the Secrets' files readable by the proxy's group
                            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                        },
                        Containers = [Gateway(context)],
                        Volumes = [.. Volumes(context)],
                    },
                },
            },
        };
    }

    private static V1Container Gateway(GatewayRenderContext context) => new()
    {
        Name = Container,
        Image = context.ProxyImage,
        Args =
        [
            "gateway",
            $"--RouteTable={FilesPath}/routes.json",
            $"--Secrets={IngressSecretsPath}",
            $"--Certificate={FilesPath}/tls.crt",
            $"--Key={FilesPath}/tls.key",
            $"--TrustBundle={TrustPath}/{TrustKey}",
            $"--Controller={context.ControllerAddress}",
            $"--BootstrapToken={TokenPath}/{TokenFile}",
            Flag("HttpPort", HttpPort),
            Flag("HttpsPort", HttpsPort),
            Flag("PublicHttpsPort", PublicHttpsPort), // where the redirect sends HTTP clients: the Service's port, not the pod's
        ],
        Env = [new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } }],
        Ports =
        [
            new V1ContainerPort { Name = "http", ContainerPort = HttpPort, Protocol = Tcp },
            new V1ContainerPort { Name = "https", ContainerPort = HttpsPort, Protocol = Tcp },
            new V1ContainerPort { Name = "status", ContainerPort = StatusPort, Protocol = Tcp },
        ],

        // Ready once it can serve (a table and a mesh certificate), not merely once 8443 accepts connections: a
        // rolling update (maxUnavailable 0) then never swaps a serving pod for one that would answer 503.
        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = ReadinessPath, Port = StatusPort, Scheme = "HTTP" }, PeriodSeconds = 5 },
        Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal) { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },

            // Requests and responses stream (no buffering), so memory stays flat whatever the size of a download.
            Limits = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal) { ["cpu"] = new("2"), ["memory"] = new("512Mi") },
        },
        SecurityContext = new V1SecurityContext
        {
            RunAsUser = ProxyUid,
            RunAsGroup = ProxyUid,
            RunAsNonRoot = true,
            ReadOnlyRootFilesystem = true,
            AllowPrivilegeEscalation = false,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        },
        VolumeMounts =
        [
            new V1VolumeMount { Name = FilesVolume, MountPath = FilesPath },
            new V1VolumeMount { Name = TrustVolume, MountPath = TrustPath, ReadOnlyProperty = true },
            new V1VolumeMount { Name = TokenVolume, MountPath = TokenPath, ReadOnlyProperty = true },
        ],
    };

    private static IEnumerable<V1Volume> Volumes(GatewayRenderContext context)
    {
        yield return new V1Volume { Name = FilesVolume, EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } };
        yield return new V1Volume
        {
            Name = TrustVolume,
            ConfigMap = new V1ConfigMapVolumeSource { Name = Reconciling.MeshReconciler.TrustBundleConfigMap, Items = [new V1KeyToPath { Key = TrustKey, Path = TrustKey }] },
        };
        yield return new V1Volume
        {
            Name = TokenVolume,
            Projected = new V1ProjectedVolumeSource
            {
                Sources =
                [
                    new V1VolumeProjection
                    {
                        ServiceAccountToken = new V1ServiceAccountTokenProjection { Audience = CertificateProtocol.TokenAudience, ExpirationSeconds = TokenExpirationSeconds, Path = TokenFile },
                    },
                ],
            },
        };
    }

    private static string Flag(string name, int port) => string.Create(CultureInfo.InvariantCulture, $"--{name}={port}");

    private static V1ObjectMeta Metadata(GatewayRenderContext context, Dictionary<string, string>? annotations = null) => new()
    {
        Name = context.Gateway.Name,
        NamespaceProperty = context.Gateway.Namespace,
        Labels = WorkloadRenderer.Sorted(Labels(context)),
        Annotations = annotations,
    };

    /// <summary>The gateway's labels: <see cref="Kubernetes.Labels.Name"/> is what the services' NetworkPolicies admit, <see cref="Kubernetes.Labels.Component"/> what the controller deletes by.</summary>
    public static Dictionary<string, string> Labels(GatewayRenderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(StringComparer.Ordinal)
        {
            [Kubernetes.Labels.Name] = context.Gateway.Name,
            [Kubernetes.Labels.Component] = Kubernetes.Labels.GatewayComponent,
            [Kubernetes.Labels.ManagedBy] = Kubernetes.Labels.ManagedByValue,
        };
    }

    private static Dictionary<string, string> Selector(GatewayRenderContext context) => new(StringComparer.Ordinal) { [Kubernetes.Labels.Name] = context.Gateway.Name };
}
