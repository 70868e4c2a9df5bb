using k8s.Models;

namespace Lattice.Mesh.Injector.Mutation;

/// <summary>The lattice-proxy container and the three volumes it reads its identity and configuration from.</summary>
internal static class ProxySidecar
{
    public static V1Container Container(InjectorSettings settings, V1ResourceRequirements resources, IList<V1EnvVar> appProbes)
    {
        var proxy = new V1Container
        {
            Name = SidecarLayout.ProxyContainer,
            Image = settings.ProxyImage,
            Args =
            [
                $"--RouteTable={SidecarLayout.FilesPath}/routes.json",
                $"--Certificate={SidecarLayout.FilesPath}/tls.crt",
                $"--Key={SidecarLayout.FilesPath}/tls.key",
                $"--TrustBundle={SidecarLayout.TrustPath}/{SidecarLayout.TrustKey}",
                $"--BootstrapToken={SidecarLayout.TokenPath}/{SidecarLayout.TokenFile}",
                $"--Controller={settings.ControllerAddress}",
                "--Instance=$(POD_NAME)",
                "--InboundBindAddress=0.0.0.0",
                "--AdminBindAddress=0.0.0.0", // the kubelet probes /readyz and /app-health/... on the pod's address
                .. settings.OtlpEndpoint is { } collector ? [$"--OtlpEndpoint={collector}"] : Array.Empty<string>(),
            ],
            Env =
            [
                new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                new V1EnvVar { Name = "POD_NAMESPACE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
                .. appProbes,
            ],
            Ports =
            [
                // Container port names are at most 15 characters.
                new V1ContainerPort { Name = "lattice-out", ContainerPort = SidecarLayout.OutboundPort, Protocol = "TCP" },
                new V1ContainerPort { Name = "lattice-in", ContainerPort = SidecarLayout.InboundPort, Protocol = "TCP" },
                new V1ContainerPort { Name = "lattice-admin", ContainerPort = SidecarLayout.AdminPort, Protocol = "TCP" },
            ],
            ReadinessProbe = new V1Probe
            {
                HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = SidecarLayout.AdminPort, Scheme = "HTTP" },
                PeriodSeconds = 2,
            },
            Resources = resources,
            VolumeMounts =
            [
                new V1VolumeMount { Name = SidecarLayout.FilesVolume, MountPath = SidecarLayout.FilesPath },
                new V1VolumeMount { Name = SidecarLayout.TrustVolume, MountPath = SidecarLayout.TrustPath, ReadOnlyProperty = true },
                new V1VolumeMount { Name = SidecarLayout.TokenVolume, MountPath = SidecarLayout.TokenPath, ReadOnlyProperty = true },
            ],
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = settings.ProxyUid,
                RunAsGroup = settings.ProxyUid,
                RunAsNonRoot = true,
                ReadOnlyRootFilesystem = true,
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };

        if (settings.NativeSidecars)
        {
            // A restartable init container: started (and ready) before the app and the pod's own init containers,
            // stopped after the app, and not counted when a Job's containers finish.
            proxy.RestartPolicy = "Always";
            // The kubelet starts the next container once a sidecar has started, which a startup probe defines:
            // without one the app could start before the proxy has its certificate and routes.
            proxy.StartupProbe = new V1Probe
            {
                HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = SidecarLayout.AdminPort, Scheme = "HTTP" },
                PeriodSeconds = 1,
                FailureThreshold = 60,
            };
        }
        else
        {
            // The kubelet starts the next container only once postStart returns: the app waits for a ready proxy.
            proxy.Lifecycle = new V1Lifecycle
            {
                PostStart = new V1LifecycleHandler { Exec = new V1ExecAction { Command = [SidecarLayout.ProxyContainer, "wait", "--timeout=60s"] } },
            };
        }

        return proxy;
    }

    public static IEnumerable<V1Volume> Volumes() =>
    [
        new V1Volume { Name = SidecarLayout.FilesVolume, EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
        new V1Volume
        {
            Name = SidecarLayout.TrustVolume,
            ConfigMap = new V1ConfigMapVolumeSource
            {
                Name = SidecarLayout.TrustConfigMap,
                Items = [new V1KeyToPath { Key = SidecarLayout.TrustKey, Path = SidecarLayout.TrustKey }],
            },
        },
        new V1Volume
        {
            Name = SidecarLayout.TokenVolume,
            Projected = new V1ProjectedVolumeSource
            {
                Sources =
                [
                    new V1VolumeProjection
                    {
                        ServiceAccountToken = new V1ServiceAccountTokenProjection
                        {
                            Audience = SidecarLayout.TokenAudience,
                            ExpirationSeconds = SidecarLayout.TokenExpirationSeconds,
                            Path = SidecarLayout.TokenFile,
                        },
                    },
                ],
            },
        },
    ];
}
