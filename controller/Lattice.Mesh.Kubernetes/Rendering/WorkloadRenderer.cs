using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes.Rendering;

/// <summary>
/// Turns one LatticeService into the Kubernetes objects the controller applies: its ServiceAccount (its mesh
/// identity), Deployment, Service, the claims of the volumes it owns, and a NetworkPolicy that lets in only
/// its agreed callers' pods, on the sidecar's port. Pure and deterministic: the same input gives the same
/// JSON, so re-applying is a no-op.
/// </summary>
public static class WorkloadRenderer
{
    /// <summary>On the ServiceAccount: the SPIFFE id the mesh issues to the service's sidecars.</summary>
    public const string SpiffeIdAnnotation = "lattice.dev/spiffe-id";

    /// <summary>
    /// The Service port that reaches the sidecar's inbound listener: callers' sidecars and the gateway connect
    /// to <c>&lt;svc&gt;.&lt;ns&gt;.svc:15006</c> (the compiler's route-table addresses).
    /// </summary>
    public const string SidecarPortName = "lattice-inbound";

    /// <summary>The label Kubernetes puts on every namespace: its name.</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>The container that gets the service's ports when there is more than one.</summary>
    public const string MainContainer = "main";

    private const string Tcp = "TCP";

    public static RenderedWorkload Render(LatticeService service, RenderContext context)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(context);

        return new RenderedWorkload
        {
            ServiceAccount = ServiceAccount(service, context),
            Deployment = Deployment(service, context),
            Service = Service(service, context),
            PersistentVolumeClaims = Claims(service),
            NetworkPolicy = NetworkPolicy(service, context),
        };
    }

    /// <summary>The claim that backs a volume resource: <c>&lt;owner&gt;-&lt;volume&gt;</c>, for an owned volume and a reference alike.</summary>
    public static string ClaimName(LatticeService service, ResourceSpec volume)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(volume);
        return volume switch
        {
            OwnedVolume owned => $"{service.Id.Name}-{owned.Name}",
            VolumeReference reference => $"{reference.OwnerService}-{reference.OwnerVolume}",
            _ => throw new ArgumentException($"resources.{volume.Name} of {service.Id} is not a volume", nameof(volume)),
        };
    }

    private static V1ServiceAccount ServiceAccount(LatticeService service, RenderContext context) => new()
    {
        ApiVersion = V1ServiceAccount.KubeApiVersion,
        Kind = V1ServiceAccount.KubeKind,
        Metadata = Metadata(service, context, service.Id.Name, annotations: Sorted([new(SpiffeIdAnnotation, SpiffeId.For(context.TrustDomain, service.Id.Namespace, service.Id.Name))])),
        AutomountServiceAccountToken = false,
    };

    private static V1Deployment Deployment(LatticeService service, RenderContext context)
    {
        var podLabels = CommonLabels(service);
        podLabels[Labels.Inject] = "true";
        var containers = service.Spec.Containers.OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        var portsGoTo = containers.Count == 1 ? containers[0].Key : MainContainer;

        return new V1Deployment
        {
            ApiVersion = $"{V1Deployment.KubeGroup}/{V1Deployment.KubeApiVersion}",
            Kind = V1Deployment.KubeKind,
            Metadata = Metadata(service, context, service.Id.Name),
            Spec = new V1DeploymentSpec
            {
                Replicas = service.Spec.Replicas.Min,

                // A claim only one node can mount (ReadWriteOnce) would hang a rolling update whose new pod lands on
                // another node: such workloads replace their pods instead.
                Strategy = MountsSingleNodeClaim(service) ? new V1DeploymentStrategy { Type = "Recreate" } : null,
                Selector = new V1LabelSelector { MatchLabels = Selector(service) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Sorted(podLabels) },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = service.Id.Name,
                        AutomountServiceAccountToken = false,
                        Containers = [.. containers.Select(c => Container(c.Key, c.Value, c.Key == portsGoTo ? service.Spec.Ports : null))],
                        Volumes = NullIfEmpty(PodVolumes(service)),
                    },
                },
            },
        };
    }

    private static bool MountsSingleNodeClaim(LatticeService service)
    {
        var mounted = service.Spec.Containers.Values.SelectMany(c => c.Volumes.Values).Select(v => v.Resource).ToHashSet(StringComparer.Ordinal);
        return service.Spec.Resources.Values.OfType<OwnedVolume>().Any(v => mounted.Contains(v.Name) && v.AccessMode is "ReadWriteOnce" or "ReadWriteOncePod");
    }

    private static V1Container Container(string name, ContainerSpec spec, IReadOnlyDictionary<string, PortSpec>? ports) => new()
    {
        Name = name,
        Image = spec.Image,
        Command = spec.Command is { Count: > 0 } command ? [.. command] : null,
        Args = spec.Args is { Count: > 0 } args ? [.. args] : null,
        Env = NullIfEmpty([.. spec.Variables.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => new V1EnvVar { Name = v.Key, Value = v.Value })]),
        Ports = ports is null ? null : NullIfEmpty(ContainerPorts(ports)),
        VolumeMounts = NullIfEmpty([.. spec.Volumes.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => new V1VolumeMount
        {
            Name = v.Value.Resource,
            MountPath = v.Key,
            SubPath = v.Value.SubPath,
            ReadOnlyProperty = v.Value.ReadOnly ? true : null,
        })]),
        Resources = Resources(spec.Resources),
        ReadinessProbe = Probe(spec.ReadinessProbe),
        LivenessProbe = Probe(spec.LivenessProbe),
        StartupProbe = Probe(spec.StartupProbe),
    };

    /// <summary>One per service port, on its target port; a target port two service ports share is listed once (server-side apply keys these by port and protocol).</summary>
    private static List<V1ContainerPort> ContainerPorts(IReadOnlyDictionary<string, PortSpec> ports) =>
    [
        .. ports.OrderBy(p => p.Key, StringComparer.Ordinal)
            .DistinctBy(p => (p.Value.TargetPort, p.Value.Protocol))
            .Select(p => new V1ContainerPort { Name = p.Key, ContainerPort = p.Value.TargetPort, Protocol = p.Value.Protocol }),
    ];

    private static V1ResourceRequirements? Resources(ComputeResources? resources)
    {
        if (resources is null || (resources.Requests.Count == 0 && resources.Limits.Count == 0))
        {
            return null;
        }

        return new V1ResourceRequirements { Requests = Quantities(resources.Requests), Limits = Quantities(resources.Limits) };
    }

    private static Dictionary<string, ResourceQuantity>? Quantities(IReadOnlyDictionary<string, string> quantities) =>
        quantities.Count == 0 ? null : quantities.OrderBy(q => q.Key, StringComparer.Ordinal).ToDictionary(q => q.Key, q => new ResourceQuantity(q.Value), StringComparer.Ordinal);

    private static V1Probe? Probe(ProbeSpec? probe) => probe is null ? null : new V1Probe
    {
        HttpGet = probe.HttpGet is { } http ? new V1HTTPGetAction { Path = http.Path, Port = http.Port, Scheme = http.Scheme } : null,
        Exec = probe.Exec is { } exec ? new V1ExecAction { Command = [.. exec] } : null,
        TcpSocket = probe.TcpSocket is { } port ? new V1TCPSocketAction { Port = port } : null,
        InitialDelaySeconds = probe.InitialDelaySeconds,
        PeriodSeconds = probe.PeriodSeconds,
        TimeoutSeconds = probe.TimeoutSeconds,
        FailureThreshold = probe.FailureThreshold,
        SuccessThreshold = probe.SuccessThreshold,
    };

    /// <summary>One pod volume per volume resource a container mounts, named as the resource, backed by the claim of its owner.</summary>
    private static List<V1Volume> PodVolumes(LatticeService service) =>
    [
        .. service.Spec.Containers.Values
            .SelectMany(c => c.Volumes.Values.Select(v => v.Resource))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(resource => new V1Volume
            {
                Name = resource,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource
                {
                    ClaimName = service.Spec.Resources.TryGetValue(resource, out var volume)
                        ? ClaimName(service, volume)
                        : throw new ArgumentException($"a container of {service.Id} mounts resources.{resource}, which the service does not declare", nameof(service)),
                },
            }),
    ];

    private static V1Service? Service(LatticeService service, RenderContext context)
    {
        if (service.Spec.Ports.Count == 0)
        {
            return null;
        }

        var ports = service.Spec.Ports
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new V1ServicePort { Name = p.Key, Port = p.Value.Port, TargetPort = p.Value.TargetPort, Protocol = p.Value.Protocol })
            .Append(new V1ServicePort { Name = SidecarPortName, Port = Labels.SidecarInboundPort, TargetPort = Labels.SidecarInboundPort, Protocol = Tcp });

        return new V1Service
        {
            ApiVersion = V1Service.KubeApiVersion,
            Kind = V1Service.KubeKind,
            Metadata = Metadata(service, context, service.Id.Name),
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                Selector = Selector(service),
                Ports = [.. ports],
            },
        };
    }

    /// <summary>Claims for the volumes the service owns. No owner reference: the controller deletes a claim itself, once nothing mounts it.</summary>
    private static List<V1PersistentVolumeClaim> Claims(LatticeService service) =>
    [
        .. service.Spec.Resources.Values
            .OfType<OwnedVolume>()
            .OrderBy(v => v.Name, StringComparer.Ordinal)
            .Select(volume =>
            {
                var labels = CommonLabels(service);
                labels[Labels.VolumeOwner] = service.Id.Name;
                labels[Labels.Volume] = volume.Name;
                return new V1PersistentVolumeClaim
                {
                    ApiVersion = V1PersistentVolumeClaim.KubeApiVersion,
                    Kind = V1PersistentVolumeClaim.KubeKind,
                    Metadata = new V1ObjectMeta
                    {
                        Name = ClaimName(service, volume),
                        NamespaceProperty = service.Id.Namespace,
                        Labels = Sorted(labels),
                    },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = [volume.AccessMode],
                        StorageClassName = volume.StorageClass,
                        Resources = new V1VolumeResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal) { ["storage"] = new ResourceQuantity(volume.Size) },
                        },
                    },
                };
            }),
    ];

    /// <summary>
    /// Admits the sidecar's inbound port, and only from the agreed callers' pods and (with ingress) the gateway's.
    /// With neither, the ingress list is empty: everything is denied.
    /// </summary>
    private static V1NetworkPolicy NetworkPolicy(LatticeService service, RenderContext context)
    {
        var peers = context.Callers.Select(caller => Peer(caller.Namespace, Labels.Service, caller.Name)).ToList();
        if (context.HasIngress)
        {
            peers.Add(Peer(context.Gateway.Namespace, Labels.Name, context.Gateway.Name));
        }

        // A rule with no peers would admit everyone: with no peers there is no rule at all.
        List<V1NetworkPolicyIngressRule> rules = peers.Count == 0
            ? []
            : [new V1NetworkPolicyIngressRule { FromProperty = peers, Ports = [new V1NetworkPolicyPort { Port = Labels.SidecarInboundPort, Protocol = Tcp }] }];

        return new V1NetworkPolicy
        {
            ApiVersion = $"{V1NetworkPolicy.KubeGroup}/{V1NetworkPolicy.KubeApiVersion}",
            Kind = V1NetworkPolicy.KubeKind,
            Metadata = Metadata(service, context, service.Id.Name),
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector { MatchLabels = Selector(service) },
                PolicyTypes = ["Ingress"],
                Ingress = rules,
            },
        };
    }

    private static V1NetworkPolicyPeer Peer(string @namespace, string podLabel, string podLabelValue) => new()
    {
        NamespaceSelector = new V1LabelSelector { MatchLabels = Sorted([new(NamespaceNameLabel, @namespace)]) },
        PodSelector = new V1LabelSelector { MatchLabels = Sorted([new(podLabel, podLabelValue)]) },
    };

    private static V1ObjectMeta Metadata(LatticeService service, RenderContext context, string name, Dictionary<string, string>? annotations = null) => new()
    {
        Name = name,
        NamespaceProperty = service.Id.Namespace,
        Labels = Sorted(CommonLabels(service)),
        Annotations = annotations,
        OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = LatticeService.ApiVersion,
                Kind = LatticeService.Kind,
                Name = service.Id.Name,
                Uid = context.OwnerUid,
                Controller = true,
                BlockOwnerDeletion = true,
            },
        ],
    };

    private static Dictionary<string, string> CommonLabels(LatticeService service) => new(StringComparer.Ordinal)
    {
        [Labels.Name] = service.Id.Name,
        [Labels.Service] = service.Id.Name,
        [Labels.ManagedBy] = Labels.ManagedByValue,
    };

    private static Dictionary<string, string> Selector(LatticeService service) => new(StringComparer.Ordinal) { [Labels.Service] = service.Id.Name };

    /// <summary>A copy in ordinal key order: dictionaries serialise in insertion order, and the JSON must not vary.</summary>
    internal static Dictionary<string, string> Sorted(IEnumerable<KeyValuePair<string, string>> entries) =>
        entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private static List<T>? NullIfEmpty<T>(List<T> items) => items.Count == 0 ? null : items;
}
