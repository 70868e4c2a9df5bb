using Lattice.Mesh.Injector.Mutation;
using static Lattice.Mesh.Injector.Tests.Mutation.Pods;

namespace Lattice.Mesh.Injector.Tests.Mutation;

public sealed class CaptureTests
{
    [Fact]
    public void Iptables_IsTheDefault_AnInitContainerFromTheProxyImage_FirstOfAll()
    {
        var pod = Web().Injected();

        var capture = pod.Capture();
        Assert.Equal("lattice-capture", pod.InitNames().First());
        Assert.Equal("registry.example/lattice-proxy:1.2.3", capture.Image);
        Assert.Equal(["lattice-proxy", "capture", "--apply"], capture.Command.Take(3));
    }

    [Fact]
    public void Iptables_RedirectsTheAppsTcpPorts_AndExcludesTheProxysOwn()
    {
        var capture = Media().Injected(Settings with { ProxyUid = 4242 }).Capture();

        Assert.Equal(
            [
                "lattice-proxy", "capture", "--apply",
                "--proxy-uid=4242",
                // Both containers' TCP ports, each once; the UDP port is not TCP's to redirect.
                "--inbound-ports=8096,8920,9100",
                "--exclude-inbound-ports=15000,15001,15006",
                "--exclude-outbound-ports=",
            ],
            capture.Command);
    }

    [Fact]
    public void Iptables_CapturesEveryInboundPort_WhenTheAppDeclaresNone()
    {
        Assert.Equal("*", Bare().Injected().Capture().Flag("inbound-ports"));
    }

    [Fact]
    public void Iptables_ExcludesThePortsThePodNames()
    {
        var capture = Web()
            .Annotated("lattice.dev/exclude-inbound-ports", "9090, 15000")
            .Annotated("lattice.dev/exclude-outbound-ports", "5432,6379")
            .Injected()
            .Capture();

        Assert.Equal("9090,15000,15001,15006", capture.Flag("exclude-inbound-ports"));
        Assert.Equal("5432,6379", capture.Flag("exclude-outbound-ports"));
    }

    [Fact]
    public void Iptables_LeavesOutPortsThatAreNotPorts_AndWarns()
    {
        var pod = Web().Annotated("lattice.dev/exclude-outbound-ports", "5432,postgres,70000,6379");

        Assert.Equal("5432,6379", pod.Injected().Capture().Flag("exclude-outbound-ports"));
        Assert.Equal(
            ["lattice.dev/exclude-outbound-ports: \"postgres\"", "lattice.dev/exclude-outbound-ports: \"70000\""],
            SidecarInjector.Warnings(pod, Meshed(), Settings).Select(w => w[..w.IndexOf(" is not", StringComparison.Ordinal)]));
    }

    [Fact]
    public void Iptables_CaptureRunsAsRoot_WithOnlyNetAdminAndNetRaw()
    {
        var security = Web().Injected().Capture().SecurityContext;

        Assert.Equal(0L, security.RunAsUser);
        Assert.False(security.RunAsNonRoot);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["NET_ADMIN", "NET_RAW"], security.Capabilities.Add);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.NotEqual(true, security.Privileged);
    }

    [Fact]
    public void Iptables_CaptureHasSmallResources()
    {
        var resources = Web().Injected().Capture().Resources;

        Assert.Equal("10m", resources.Requests["cpu"].ToString());
        Assert.True(resources.Limits["memory"].ToDecimal() <= 128 * 1024 * 1024);
    }

    [Fact]
    public void Iptables_WithoutNativeSidecars_WarnsThatThePodsInitContainersHaveNoProxy()
    {
        Assert.Empty(SidecarInjector.Warnings(Web(), Meshed(), Settings));
        Assert.StartsWith("init containers migrate run after capture but before the proxy", Assert.Single(SidecarInjector.Warnings(Web(), Meshed(), Legacy)), StringComparison.Ordinal);
        Assert.Empty(SidecarInjector.Warnings(Web().Annotated(InjectorAnnotations.Capture, "proxy-env"), Meshed(), Legacy));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ProxyEnv_AddsNoPrivilegedContainer_AndPointsEveryAppContainerAtTheProxy(bool native)
    {
        var pod = Media().Annotated(InjectorAnnotations.Capture, "proxy-env").Injected(Settings with { NativeSidecars = native });

        Assert.DoesNotContain("lattice-capture", pod.InitNames());
        Assert.All(pod.Spec.Containers.Where(c => c.Name != "lattice-proxy"), container =>
        {
            Assert.Equal("http://127.0.0.1:15001", container.Env("HTTP_PROXY"));
            Assert.Equal("http://127.0.0.1:15001", container.Env("http_proxy"));
            Assert.Equal("localhost,127.0.0.1", container.Env("NO_PROXY"));
            Assert.Equal("localhost,127.0.0.1", container.Env("no_proxy"));
        });
        Assert.Null(pod.Proxy().Env("HTTP_PROXY"));
    }

    [Fact]
    public void ProxyEnv_KeepsTheValuesTheAppSets()
    {
        var pod = Web().Annotated(InjectorAnnotations.Capture, "proxy-env").With(p =>
            p.Spec.Containers[0].Env.Add(new() { Name = "NO_PROXY", Value = "localhost,.cluster.local" }));

        var web = pod.Injected().Container("web");

        Assert.Equal("localhost,.cluster.local", web.Env("NO_PROXY"));
        Assert.Single(web.Env, e => e.Name == "NO_PROXY");
        Assert.Equal("localhost,127.0.0.1", web.Env("no_proxy"));
        Assert.Equal("production", web.Env("MODE"));
    }

    [Fact]
    public void UnknownCapture_GetsTheDefault_AndAWarning()
    {
        var pod = Web().Annotated(InjectorAnnotations.Capture, "ebpf");

        Assert.Contains("lattice-capture", pod.Injected().InitNames());
        Assert.DoesNotContain("lattice-capture", pod.Injected(Settings with { DefaultCapture = "proxy-env" }).InitNames());
        Assert.Equal(
            "lattice.dev/capture: \"ebpf\" is not 'iptables' or 'proxy-env'; the pod gets the default, 'iptables'.",
            Assert.Single(SidecarInjector.Warnings(pod, Meshed(), Settings)));
    }

    [Fact]
    public void TheAnnotation_OverridesADefaultOfProxyEnv()
    {
        var settings = Settings with { DefaultCapture = "proxy-env" };

        Assert.DoesNotContain("lattice-capture", Web().Injected(settings).InitNames());
        Assert.Contains("lattice-capture", Web().Annotated(InjectorAnnotations.Capture, "iptables").Injected(settings).InitNames());
    }
}
