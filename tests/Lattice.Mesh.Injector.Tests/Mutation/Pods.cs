using k8s;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Kubernetes;

namespace Lattice.Mesh.Injector.Tests.Mutation;

/// <summary>Pods as the webhook sees them (a ReplicaSet's pod: generateName, no name, no namespace) and helpers to look inside.</summary>
internal static class Pods
{
    public static readonly InjectorSettings Settings = new() { ProxyImage = "registry.example/lattice-proxy:1.2.3" };

    public static readonly InjectorSettings Legacy = Settings with { NativeSidecars = false };

    public static NamespaceInfo Meshed(string name = "media") => new(name, new Dictionary<string, string> { [Labels.Mesh] = "enabled" });

    public static NamespaceInfo Plain(string name = "default") => new(name, new Dictionary<string, string>());

    /// <summary>A web app: named and numbered ports, an HTTP liveness probe on a named port, a TCP readiness probe.</summary>
    public static V1Pod Web() => Yaml("""
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: web-7c9d5f-
          labels:
            app.kubernetes.io/name: web
            pod-template-hash: 7c9d5f
          annotations:
            kubectl.kubernetes.io/restartedAt: "2025-01-01T00:00:00Z"
        spec:
          serviceAccountName: web
          initContainers:
          - name: migrate
            image: web:1
            command: ["web", "migrate"]
          containers:
          - name: web
            image: web:1
            ports:
            - name: http
              containerPort: 8080
            - name: metrics
              containerPort: 9090
            env:
            - name: MODE
              value: production
            livenessProbe:
              httpGet:
                path: /healthz
                port: http
              initialDelaySeconds: 5
              periodSeconds: 7
            readinessProbe:
              tcpSocket:
                port: 8080
              timeoutSeconds: 3
          volumes:
          - name: data
            emptyDir: {}
        """);

    /// <summary>The smallest pod: one container, nothing declared, no annotations, no volumes.</summary>
    public static V1Pod Bare() => Yaml("""
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: worker-
        spec:
          containers:
          - name: worker
            image: worker:1
        """);

    /// <summary>Two app containers, a UDP port, an exec probe, an HTTPS startup probe with headers, and a ReplicaSet owner.</summary>
    public static V1Pod Media() => Yaml("""
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: jellyfin-5d8f-
          labels:
            lattice.dev/service: jellyfin
            app.kubernetes.io/name: jellyfin-server
          ownerReferences:
          - apiVersion: apps/v1
            kind: ReplicaSet
            name: jellyfin-5d8f
            uid: 0b6c7f7e-0000-4000-8000-000000000001
            controller: true
        spec:
          containers:
          - name: jellyfin
            image: jellyfin:10
            ports:
            - containerPort: 8096
            - containerPort: 7359
              protocol: UDP
            - containerPort: 8920
              protocol: TCP
            startupProbe:
              httpGet:
                path: /health
                port: 8920
                scheme: HTTPS
                httpHeaders:
                - name: X-Probe
                  value: startup
              failureThreshold: 30
            livenessProbe:
              exec:
                command: ["true"]
          - name: exporter
            image: exporter:1
            ports:
            - name: metrics
              containerPort: 9100
            - name: http
              containerPort: 8096
            readinessProbe:
              httpGet:
                port: metrics
          volumes:
          - name: config
            persistentVolumeClaim:
              claimName: jellyfin-config
        """);

    public static V1Pod Yaml(string yaml) => KubernetesYaml.Deserialize<V1Pod>(yaml);

    public static string Json(V1Pod pod) => KubernetesJson.Serialize(pod);

    public static V1Pod With(this V1Pod pod, Action<V1Pod> change)
    {
        change(pod);
        return pod;
    }

    public static V1Pod Annotated(this V1Pod pod, string key, string value) => pod.With(p =>
    {
        p.Metadata.Annotations ??= new Dictionary<string, string>();
        p.Metadata.Annotations[key] = value;
    });

    public static V1Pod Labelled(this V1Pod pod, string key, string value) => pod.With(p =>
    {
        p.Metadata.Labels ??= new Dictionary<string, string>();
        p.Metadata.Labels[key] = value;
    });

    public static V1Pod Injected(this V1Pod pod, InjectorSettings? settings = null, NamespaceInfo? ns = null) =>
        SidecarInjector.Inject(pod, ns ?? Meshed(), settings ?? Settings);

    public static V1Container Proxy(this V1Pod pod) =>
        pod.Spec.InitContainers?.SingleOrDefault(c => c.Name == SidecarLayout.ProxyContainer)
        ?? pod.Spec.Containers.Single(c => c.Name == SidecarLayout.ProxyContainer);

    public static V1Container Capture(this V1Pod pod) => pod.Spec.InitContainers.Single(c => c.Name == SidecarLayout.CaptureContainer);

    public static V1Container Container(this V1Pod pod, string name) => pod.Spec.Containers.Single(c => c.Name == name);

    public static IEnumerable<string> InitNames(this V1Pod pod) => pod.Spec.InitContainers?.Select(c => c.Name) ?? [];

    public static IEnumerable<string> ContainerNames(this V1Pod pod) => pod.Spec.Containers.Select(c => c.Name);

    public static string? Env(this V1Container container, string name) => container.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    /// <summary>The value of one <c>--flag=value</c> in a container's command or args.</summary>
    public static string Flag(this V1Container container, string flag)
    {
        var prefix = $"--{flag}=";
        var words = (container.Command ?? []).Concat(container.Args ?? []).ToList();
        return words.Where(a => a.StartsWith(prefix, StringComparison.Ordinal)).ToList() is [var value]
            ? value[prefix.Length..]
            : throw new Xunit.Sdk.XunitException($"{container.Name} has no single --{flag}: {string.Join(' ', words)}");
    }
}
