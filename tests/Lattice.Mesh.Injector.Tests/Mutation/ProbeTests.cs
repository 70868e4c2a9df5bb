using System.Text.Json.Nodes;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using static Lattice.Mesh.Injector.Tests.Mutation.Pods;

namespace Lattice.Mesh.Injector.Tests.Mutation;

public sealed class ProbeTests
{
    private static JsonObject AppProbes(V1Pod injected) =>
        JsonNode.Parse(injected.Proxy().Env("LATTICE_APP_PROBES") ?? throw new Xunit.Sdk.XunitException("no LATTICE_APP_PROBES"))!.AsObject();

    private static void AssertThroughAdmin(V1Probe probe, string path)
    {
        Assert.Equal((path, "15000", "HTTP"), (probe.HttpGet.Path, probe.HttpGet.Port.Value, probe.HttpGet.Scheme));
        Assert.Null(probe.TcpSocket);
    }

    [Fact]
    public void HttpAndTcpProbes_GoThroughTheProxysAdminPort()
    {
        var web = Web().Injected().Container("web");

        AssertThroughAdmin(web.LivenessProbe, "/app-health/web/livez");
        AssertThroughAdmin(web.ReadinessProbe, "/app-health/web/readyz");
    }

    [Fact]
    public void RewrittenProbes_KeepTheirTiming()
    {
        var web = Web().Injected().Container("web");

        Assert.Equal((5, 7), (web.LivenessProbe.InitialDelaySeconds, web.LivenessProbe.PeriodSeconds));
        Assert.Equal(3, web.ReadinessProbe.TimeoutSeconds);
    }

    [Fact]
    public void TheProxy_IsToldTheOriginalProbes_WithNamedPortsResolved_AndTheirTimeouts()
    {
        var probes = AppProbes(Web().Injected());

        Assert.Equal(
            JsonPatch.Canonical(JsonNode.Parse("""
                {
                  "/app-health/web/livez": { "httpGet": { "path": "/healthz", "port": 8080, "scheme": "HTTP" } },
                  "/app-health/web/readyz": { "tcpSocket": { "port": 8080 }, "timeoutSeconds": 3 }
                }
                """)),
            JsonPatch.Canonical(probes));
    }

    [Fact]
    public void EachContainersProbes_AreKeptApart_AndHttpsAndHeadersSurvive()
    {
        var pod = Media().Injected();

        AssertThroughAdmin(pod.Container("jellyfin").StartupProbe, "/app-health/jellyfin/startupz");
        AssertThroughAdmin(pod.Container("exporter").ReadinessProbe, "/app-health/exporter/readyz");
        Assert.Equal(
            JsonPatch.Canonical(JsonNode.Parse("""
                {
                  "/app-health/jellyfin/startupz": { "httpGet": { "path": "/health", "port": 8920, "scheme": "HTTPS", "httpHeaders": [{ "name": "X-Probe", "value": "startup" }] } },
                  "/app-health/exporter/readyz": { "httpGet": { "path": "/", "port": 9100, "scheme": "HTTP" } }
                }
                """)),
            JsonPatch.Canonical(AppProbes(pod)));
    }

    [Fact]
    public void ExecProbes_AreUntouched()
    {
        var liveness = Media().Injected().Container("jellyfin").LivenessProbe;

        Assert.Equal(["true"], liveness.Exec.Command);
        Assert.Null(liveness.HttpGet);
        Assert.DoesNotContain("/app-health/jellyfin/livez", AppProbes(Media().Injected()).Select(p => p.Key));
    }

    [Fact]
    public void AProbeOnAnUndeclaredNamedPort_IsLeftAsItIs_AndWarned()
    {
        var pod = Web().With(p => p.Spec.Containers[0].LivenessProbe.HttpGet.Port = "healthz");

        var web = pod.Injected().Container("web");

        Assert.Equal(("/healthz", "healthz"), (web.LivenessProbe.HttpGet.Path, web.LivenessProbe.HttpGet.Port.Value));
        AssertThroughAdmin(web.ReadinessProbe, "/app-health/web/readyz");
        Assert.Equal(["/app-health/web/readyz"], AppProbes(pod.Injected()).Select(p => p.Key));
        Assert.Contains("names port 'healthz', which the container does not declare", Assert.Single(SidecarInjector.Warnings(pod, Meshed(), Settings)), StringComparison.Ordinal);
    }

    [Fact]
    public void AProbeOfAnotherHost_IsUntouched()
    {
        // The kubelet connects to that host directly; the pod's capture never sees it.
        var pod = Web().With(p => p.Spec.Containers[0].LivenessProbe.HttpGet.Host = "10.0.0.9");

        var liveness = pod.Injected().Container("web").LivenessProbe;

        Assert.Equal(("10.0.0.9", "/healthz"), (liveness.HttpGet.Host, liveness.HttpGet.Path));
    }

    [Fact]
    public void AGrpcProbe_IsUntouched_AndWarned()
    {
        var pod = Bare().With(p => p.Spec.Containers[0].LivenessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = 9000 } });

        Assert.Equal(9000, pod.Injected().Container("worker").LivenessProbe.Grpc.Port);
        Assert.Contains("gRPC liveness probe is not rewritten", Assert.Single(SidecarInjector.Warnings(pod, Meshed(), Settings)), StringComparison.Ordinal);
    }

    [Fact]
    public void AppsWithoutNetworkProbes_GiveTheProxyNoProbeVariable()
    {
        Assert.Null(Bare().Injected().Proxy().Env("LATTICE_APP_PROBES"));
    }

    [Fact]
    public void ProxyEnv_RewritesNoProbe()
    {
        var pod = Web().Annotated(InjectorAnnotations.Capture, "proxy-env");

        var web = pod.Injected().Container("web");

        Assert.Equal(("/healthz", "http"), (web.LivenessProbe.HttpGet.Path, web.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal("8080", web.ReadinessProbe.TcpSocket.Port.Value);
        Assert.Null(pod.Injected().Proxy().Env("LATTICE_APP_PROBES"));
    }
}
