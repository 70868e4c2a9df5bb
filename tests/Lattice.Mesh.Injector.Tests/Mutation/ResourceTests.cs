using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using static Lattice.Mesh.Injector.Tests.Mutation.Pods;

namespace Lattice.Mesh.Injector.Tests.Mutation;

public sealed class ResourceTests
{
    private static (string? Cpu, string? Memory, string? CpuLimit, string? MemoryLimit) Resources(V1Pod pod, InjectorSettings? settings = null)
    {
        var resources = pod.Injected(settings).Proxy().Resources;
        return (
            Get(resources.Requests, "cpu"),
            Get(resources.Requests, "memory"),
            Get(resources.Limits, "cpu"),
            Get(resources.Limits, "memory"));

        static string? Get(IDictionary<string, ResourceQuantity>? quantities, string name) =>
            quantities is not null && quantities.TryGetValue(name, out var quantity) ? quantity.ToString() : null;
    }

    [Fact]
    public void Proxy_GetsTheSettingsDefaults_WithNoCpuLimit()
    {
        Assert.Equal(("50m", "64Mi", null, "256Mi"), Resources(Web()));
    }

    [Fact]
    public void Proxy_GetsOtherDefaults_FromOtherSettings()
    {
        var settings = Settings with { ProxyCpuRequest = "100m", ProxyMemoryRequest = null, ProxyCpuLimit = "1", ProxyMemoryLimit = null };

        Assert.Equal(("100m", null, "1", null), Resources(Web(), settings));
    }

    [Fact]
    public void Annotations_OverrideEachRequestAndLimit()
    {
        var pod = Web()
            .Annotated("lattice.dev/proxy-cpu", "200m")
            .Annotated("lattice.dev/proxy-memory", "128Mi")
            .Annotated("lattice.dev/proxy-cpu-limit", "2")
            .Annotated("lattice.dev/proxy-memory-limit", "1Gi");

        Assert.Equal(("200m", "128Mi", "2", "1Gi"), Resources(pod));
        Assert.Empty(SidecarInjector.Warnings(pod, Meshed(), Settings));
    }

    [Theory]
    [InlineData("lattice.dev/proxy-cpu", "lots")]
    [InlineData("lattice.dev/proxy-cpu", "-100m")]
    [InlineData("lattice.dev/proxy-memory", "1.2.3Mi")]
    [InlineData("lattice.dev/proxy-memory", "64MB")]
    [InlineData("lattice.dev/proxy-memory-limit", "")]
    [InlineData("lattice.dev/proxy-cpu-limit", "one")]
    public void ABadQuantity_IsIgnored_TheDefaultKept_AndAWarningSaysSo(string annotation, string value)
    {
        var pod = Web().Annotated(annotation, value);

        Assert.Equal(("50m", "64Mi", null, "256Mi"), Resources(pod));
        var warning = Assert.Single(SidecarInjector.Warnings(pod, Meshed(), Settings));
        Assert.StartsWith($"{annotation}: \"{value}\" is not a Kubernetes quantity", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void ARequestAboveTheDefaultLimit_RaisesTheLimit()
    {
        var pod = Web().Annotated("lattice.dev/proxy-memory", "512Mi");

        Assert.Equal(("50m", "512Mi", null, "512Mi"), Resources(pod));
        Assert.Contains("the limit is raised to 512Mi", Assert.Single(SidecarInjector.Warnings(pod, Meshed(), Settings)), StringComparison.Ordinal);
    }

    [Fact]
    public void ALimitBelowTheRequest_LowersTheRequest()
    {
        var pod = Web().Annotated("lattice.dev/proxy-cpu-limit", "20m").Annotated("lattice.dev/proxy-memory", "300Mi").Annotated("lattice.dev/proxy-memory-limit", "200Mi");

        Assert.Equal(("20m", "200Mi", "20m", "200Mi"), Resources(pod));
        Assert.Equal(2, SidecarInjector.Warnings(pod, Meshed(), Settings).Count);
    }

    [Fact]
    public void Settings_RefuseARequestAboveItsLimit()
    {
        var error = Assert.Single((Settings with { ProxyMemoryRequest = "1Gi" }).Validate());

        Assert.Equal("ProxyMemoryRequest '1Gi' is above ProxyMemoryLimit '256Mi'; Kubernetes refuses such a pod: lower the request or raise the limit.", error);
    }
}
