using k8s;
using k8s.Models;
using Lattice.Mesh.Kubernetes;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>
/// The injector's core: decides whether a pod gets the lattice-proxy sidecar and returns the pod with it. Pure:
/// no I/O, and the pod passed in is never changed. The webhook turns the difference into a JSON patch
/// (<see cref="PodPatch"/>).
/// </summary>
public static class SidecarInjector
{
    private static readonly string[] SystemNamespaces = ["kube-system", Labels.SystemNamespace];

    public static InjectionDecision Decide(V1Pod pod, NamespaceInfo ns)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(ns);

        if (SystemNamespaces.Contains(ns.Name, StringComparer.Ordinal))
        {
            return new(false, $"pods in namespace {ns.Name} never get a sidecar");
        }

        if (pod.Spec?.HostNetwork == true)
        {
            return new(false, "the pod uses the node's network (hostNetwork: true): a sidecar there would capture the node's traffic");
        }

        if (InjectedBy(pod) is { } evidence)
        {
            return new(false, $"the pod is already injected: {evidence}");
        }

        var annotation = Get(pod.Metadata?.Annotations, Labels.Inject);
        var label = Get(pod.Metadata?.Labels, Labels.Inject);
        if (annotation == "false" || label == "false")
        {
            return new(false, $"the pod opts out with the {(annotation == "false" ? "annotation" : "label")} {Labels.Inject}: \"false\"");
        }

        if (annotation == "true" || label == "true")
        {
            return new(true, $"the pod asks for a sidecar with the {(annotation == "true" ? "annotation" : "label")} {Labels.Inject}: \"true\"");
        }

        var ignored = (annotation ?? label) is { } other
            ? $"; {Labels.Inject}: \"{other}\" is neither \"true\" nor \"false\" and is ignored"
            : "";
        if (ns.Labels.GetValueOrDefault(Labels.Mesh) == "enabled")
        {
            return new(true, $"namespace {ns.Name} is labelled {Labels.Mesh}: enabled{ignored}");
        }

        return new(false, $"namespace {ns.Name} is not labelled {Labels.Mesh}: enabled and the pod does not ask with {Labels.Inject}: \"true\"{ignored}");
    }

    /// <summary>
    /// A deep copy of <paramref name="pod"/> with the sidecar, its capture and its volumes; an unchanged copy when
    /// <see cref="Decide"/> says no. Injecting an injected pod gives the same pod.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="settings"/> are invalid (see <see cref="InjectorSettings.Validate"/>).</exception>
    public static V1Pod Inject(V1Pod pod, NamespaceInfo ns, InjectorSettings settings) => Mutate(pod, ns, settings).Pod;

    /// <summary>
    /// What the webhook should tell the pod's creator about <see cref="Inject"/>: pod annotations it could not honour
    /// (a bad quantity, an unknown capture, a bad port) and probes that will not survive capture. Empty when the pod
    /// is not injected.
    /// </summary>
    public static IReadOnlyList<string> Warnings(V1Pod pod, NamespaceInfo ns, InjectorSettings settings) => Mutate(pod, ns, settings).Warnings;

    /// <summary>The service the pod belongs to, for the record: the identity itself comes from its ServiceAccount token.</summary>
    internal static string ServiceName(V1Pod pod) =>
        NonEmpty(Get(pod.Metadata?.Labels, Labels.Service))
        ?? NonEmpty(Get(pod.Metadata?.Labels, Labels.Name))
        ?? NonEmpty(pod.Spec?.ServiceAccountName)
        ?? NonEmpty(pod.Spec?.ServiceAccount)
        ?? "default";

    private static (V1Pod Pod, IReadOnlyList<string> Warnings) Mutate(V1Pod pod, NamespaceInfo ns, InjectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException($"the injector settings are invalid: {string.Join(" ", errors)}", nameof(settings));
        }

        var copy = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        if (!Decide(pod, ns).Inject)
        {
            return (copy, []);
        }

        var warnings = new List<string>();
        copy.Metadata ??= new V1ObjectMeta();
        copy.Spec ??= new V1PodSpec();
        var spec = copy.Spec;
        spec.Containers ??= [];
        var annotations = copy.Metadata.Annotations ?? new Dictionary<string, string>();
        var appContainers = spec.Containers.ToList();

        var capture = TrafficCapture.Mode(annotations, settings, warnings);
        var resources = ProxyResources.Resolve(annotations, settings, warnings);
        var proxyEnv = new List<V1EnvVar>();
        V1Container? captureContainer = null;
        if (capture == InjectorAnnotations.CaptureIptables)
        {
            captureContainer = TrafficCapture.InitContainer(settings, appContainers, annotations, warnings);
            if (!settings.NativeSidecars && spec.InitContainers is { Count: > 0 } own)
            {
                warnings.Add($"init containers {string.Join(", ", own.Select(c => c.Name))} run after capture but before the proxy (this cluster has no native sidecars), so their outbound connections fail; list their destination ports in {InjectorAnnotations.ExcludeOutboundPorts} or annotate the pod {InjectorAnnotations.Capture}: {InjectorAnnotations.CaptureProxyEnv}.");
            }

            if (ProbeRewriter.Rewrite(appContainers, warnings) is { Count: > 0 } probes)
            {
                proxyEnv.Add(new V1EnvVar { Name = SidecarLayout.AppProbesVariable, Value = probes.ToJsonString() });
            }
        }
        else
        {
            TrafficCapture.AddProxyEnvironment(appContainers);
        }

        var proxy = ProxySidecar.Container(settings, resources, proxyEnv);
        // Init containers run in order: capture first, then the native sidecar, so the pod's own init containers
        // already run with their traffic captured and a proxy to take it.
        var before = new List<V1Container>();
        if (captureContainer is not null)
        {
            before.Add(captureContainer);
        }

        if (settings.NativeSidecars)
        {
            before.Add(proxy);
        }

        if (before.Count > 0)
        {
            spec.InitContainers = [.. before, .. spec.InitContainers ?? []];
        }

        if (!settings.NativeSidecars)
        {
            spec.Containers.Insert(0, proxy);
        }

        spec.Volumes = [.. spec.Volumes ?? [], .. ProxySidecar.Volumes()];
        annotations[InjectorAnnotations.Status] = InjectorAnnotations.StatusInjected;
        annotations[Labels.Service] = ServiceName(copy);
        copy.Metadata.Annotations = annotations;
        return (copy, warnings);
    }

    /// <summary>What shows the pod already has the sidecar, or null.</summary>
    private static string? InjectedBy(V1Pod pod)
    {
        if (pod.Metadata?.Annotations?.ContainsKey(InjectorAnnotations.Status) == true)
        {
            return $"it has the annotation {InjectorAnnotations.Status}";
        }

        if (pod.Spec?.Containers?.Any(IsProxy) == true)
        {
            return $"it has a container named {SidecarLayout.ProxyContainer}";
        }

        return pod.Spec?.InitContainers?.Any(IsProxy) == true ? $"it has an init container named {SidecarLayout.ProxyContainer}" : null;

        static bool IsProxy(V1Container container) => string.Equals(container.Name, SidecarLayout.ProxyContainer, StringComparison.Ordinal);
    }

    private static string? Get(IDictionary<string, string>? map, string key) => map is not null && map.TryGetValue(key, out var value) ? value : null;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
