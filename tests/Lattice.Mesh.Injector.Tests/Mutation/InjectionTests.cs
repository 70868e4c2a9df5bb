using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Kubernetes;
using static Lattice.Mesh.Injector.Tests.Mutation.Pods;

namespace Lattice.Mesh.Injector.Tests.Mutation;

public sealed class InjectionTests
{
    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var pod in (string[])["web", "bare", "media"])
        {
            foreach (var native in (bool[])[true, false])
            {
                foreach (var capture in (string[])["iptables", "proxy-env"])
                {
                    data.Add(pod, native, capture);
                }
            }
        }

        return data;
    }

    internal static V1Pod Case(string pod, string capture) =>
        (pod switch { "web" => Web(), "bare" => Bare(), _ => Media() }).Annotated(InjectorAnnotations.Capture, capture);

    [Theory]
    [MemberData(nameof(Cases))]
    public void InjectingTwice_GivesTheSamePod(string pod, bool native, string capture)
    {
        var settings = Settings with { NativeSidecars = native };
        var once = Case(pod, capture).Injected(settings);

        var twice = once.Injected(settings);

        Assert.Equal(Json(once), Json(twice));
        Assert.Empty(SidecarInjector.Warnings(once, Meshed(), settings));
    }

    [Fact]
    public void LeavesTheInputPodUntouched()
    {
        var pod = Web();
        var before = Json(pod);

        var injected = pod.Injected();

        Assert.Equal(before, Json(pod));
        Assert.NotEqual(before, Json(injected));
        Assert.DoesNotContain(pod.Spec.Containers, c => c.Name == "lattice-proxy");
    }

    [Fact]
    public void ReturnsAnUnchangedCopy_WhenThePodIsNotInjected()
    {
        var pod = Web();

        var result = SidecarInjector.Inject(pod, Plain(), Settings);

        Assert.NotSame(pod, result);
        Assert.Equal(Json(pod), Json(result));
        Assert.Empty(SidecarInjector.Warnings(pod, Plain(), Settings));
    }

    [Fact]
    public void AddsTheThreeVolumes_AfterThePodsOwn()
    {
        var volumes = Web().Injected().Spec.Volumes;

        Assert.Equal(["data", "lattice-certs", "lattice-ca", "lattice-token"], volumes.Select(v => v.Name));
        Assert.Equal("Memory", volumes[1].EmptyDir.Medium);
        Assert.Equal("lattice-mesh-ca", volumes[2].ConfigMap.Name);
        Assert.Equal(("ca.crt", "ca.crt"), (volumes[2].ConfigMap.Items.Single().Key, volumes[2].ConfigMap.Items.Single().Path));
        var token = volumes[3].Projected.Sources.Single().ServiceAccountToken;
        Assert.Equal(("lattice-mesh", 3600L, "token"), (token.Audience, token.ExpirationSeconds, token.Path));
    }

    [Fact]
    public void AddsVolumes_ToAPodWithNone()
    {
        Assert.Equal(["lattice-certs", "lattice-ca", "lattice-token"], Bare().Injected().Spec.Volumes.Select(v => v.Name));
    }

    [Fact]
    public void Proxy_MountsItsFiles_TheCaAndTheToken()
    {
        var mounts = Web().Injected().Proxy().VolumeMounts;

        Assert.Equal(
            [("lattice-certs", "/var/run/lattice", null), ("lattice-ca", "/var/run/lattice/ca", true), ("lattice-token", "/var/run/secrets/lattice", true)],
            mounts.Select(m => (m.Name, m.MountPath, m.ReadOnlyProperty)));
    }

    [Fact]
    public void Proxy_IsANativeSidecar_AfterCaptureAndBeforeThePodsInitContainers()
    {
        var pod = Web().Injected();

        Assert.Equal(["lattice-capture", "lattice-proxy", "migrate"], pod.InitNames());
        Assert.Equal(["web"], pod.ContainerNames());
        Assert.Equal("Always", pod.Proxy().RestartPolicy);
        Assert.Null(pod.Proxy().Lifecycle);
        // The kubelet waits for a sidecar's startup probe before starting the next container.
        Assert.Equal(("/readyz", "15000"), (pod.Proxy().StartupProbe.HttpGet.Path, pod.Proxy().StartupProbe.HttpGet.Port.Value));
    }

    [Fact]
    public void Proxy_IsANativeSidecarFirst_WhenThereIsNoCaptureContainer()
    {
        var pod = Web().Annotated(InjectorAnnotations.Capture, "proxy-env").Injected();

        Assert.Equal(["lattice-proxy", "migrate"], pod.InitNames());
    }

    [Fact]
    public void Proxy_IsTheFirstContainer_AndHoldsTheApp_WithoutNativeSidecars()
    {
        var pod = Web().Injected(Legacy);

        Assert.Equal(["lattice-capture", "migrate"], pod.InitNames());
        Assert.Equal(["lattice-proxy", "web"], pod.ContainerNames());
        Assert.Null(pod.Proxy().RestartPolicy);
        Assert.Equal(["lattice-proxy", "wait", "--timeout=60s"], pod.Proxy().Lifecycle.PostStart.Exec.Command);
    }

    [Fact]
    public void LeavesInitContainersAbsent_WithoutNativeSidecarsOrCapture()
    {
        var pod = Bare().Annotated(InjectorAnnotations.Capture, "proxy-env").Injected(Legacy);

        Assert.Null(pod.Spec.InitContainers);
        Assert.Equal(["lattice-proxy", "worker"], pod.ContainerNames());
    }

    [Fact]
    public void Proxy_RunsTheImage_WithItsFilesAndTheController()
    {
        var proxy = Web().Injected(Settings with { ControllerAddress = "https://controller.mesh.svc:8443" }).Proxy();

        Assert.Equal("registry.example/lattice-proxy:1.2.3", proxy.Image);
        Assert.Null(proxy.Command);
        Assert.Equal(
            [
                "--RouteTable=/var/run/lattice/routes.json",
                "--Certificate=/var/run/lattice/tls.crt",
                "--Key=/var/run/lattice/tls.key",
                "--TrustBundle=/var/run/lattice/ca/ca.crt",
                "--BootstrapToken=/var/run/secrets/lattice/token",
                "--Controller=https://controller.mesh.svc:8443",
                "--Instance=$(POD_NAME)",
                "--InboundBindAddress=0.0.0.0",
                "--AdminBindAddress=0.0.0.0",
            ],
            proxy.Args);
    }

    [Fact]
    public void Proxy_SendsItsSpansToTheCollector_OnlyWhenOneIsSet()
    {
        var traced = Web().Injected(Settings with { OtlpEndpoint = "http://otel-collector.monitoring:4318" }).Proxy();
        var untraced = Web().Injected().Proxy();

        Assert.Equal("--OtlpEndpoint=http://otel-collector.monitoring:4318", traced.Args[^1]);
        Assert.DoesNotContain(untraced.Args, a => a.StartsWith("--OtlpEndpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void Proxy_KnowsItsPodFromTheDownwardApi()
    {
        var env = Web().Injected().Proxy().Env;

        Assert.Equal(
            [("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace")],
            env.Take(2).Select(e => (e.Name, e.ValueFrom.FieldRef.FieldPath)));
    }

    [Fact]
    public void Proxy_DeclaresItsPorts_AndIsReadyWhenItsAdminSaysSo()
    {
        var proxy = Web().Injected().Proxy();

        Assert.Equal([("lattice-out", 15001), ("lattice-in", 15006), ("lattice-admin", 15000)], proxy.Ports.Select(p => (p.Name, p.ContainerPort)));
        Assert.All(proxy.Ports, p => Assert.InRange(p.Name.Length, 1, 15));
        Assert.Equal(("/readyz", "15000"), (proxy.ReadinessProbe.HttpGet.Path, proxy.ReadinessProbe.HttpGet.Port.Value));
    }

    [Fact]
    public void Proxy_RunsAsTheProxyUser_WithNoPrivilege()
    {
        var security = Web().Injected(Settings with { ProxyUid = 2102 }).Proxy().SecurityContext;

        Assert.Equal((2102L, 2102L), (security.RunAsUser, security.RunAsGroup));
        Assert.True(security.RunAsNonRoot);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Null(security.Capabilities.Add);
    }

    [Fact]
    public void AnnotatesThePod_AsInjected_WithItsService_KeepingItsOwnAnnotations()
    {
        var annotations = Web().Injected().Metadata.Annotations;

        Assert.Equal("injected", annotations["lattice.dev/status"]);
        Assert.Equal("web", annotations["lattice.dev/service"]);
        Assert.Equal("2025-01-01T00:00:00Z", annotations["kubectl.kubernetes.io/restartedAt"]);
    }

    public static TheoryData<string, string> ServiceNames => new()
    {
        { "service label", "catalog" },
        { "name label", "catalog-web" },
        { "service account", "catalog-sa" },
        { "nothing", "default" },
    };

    [Theory]
    [MemberData(nameof(ServiceNames))]
    public void ServiceName_ComesFromTheServiceLabel_ThenTheNameLabel_ThenTheServiceAccount(string source, string expected)
    {
        var pod = Bare();
        if (source == "service label")
        {
            pod.Labelled(Labels.Service, "catalog");
        }

        if (source is "service label" or "name label")
        {
            pod.Labelled(Labels.Name, "catalog-web");
        }

        if (source != "nothing")
        {
            pod.Spec.ServiceAccountName = "catalog-sa";
        }

        Assert.Equal(expected, pod.Injected().Metadata.Annotations["lattice.dev/service"]);
    }

    [Fact]
    public void Inject_RefusesInvalidSettings_NamingEveryProblem()
    {
        var settings = Settings with { ProxyImage = " ", ControllerAddress = "http://controller:15012", ProxyUid = 0, DefaultCapture = "ebpf", ProxyMemoryRequest = "lots", OtlpEndpoint = "otel-collector:4318" };

        var error = Assert.Throws<ArgumentException>(() => SidecarInjector.Inject(Web(), Meshed(), settings));

        Assert.Equal(6, settings.Validate().Count);
        Assert.All(["ProxyImage", "ControllerAddress", "ProxyUid", "DefaultCapture", "ProxyMemoryRequest 'lots'", "OtlpEndpoint 'otel-collector:4318'"], part => Assert.Contains(part, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultSettings_AreValid()
    {
        Assert.Empty(Settings.Validate());
        Assert.Equal("https://lattice-controller.lattice-system.svc:15012", Settings.ControllerAddress);
        Assert.Equal(1337, Settings.ProxyUid);
        Assert.True(Settings.NativeSidecars);
        Assert.Equal("iptables", Settings.DefaultCapture);
    }
}
