using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Kubernetes;
using static Lattice.Mesh.Injector.Tests.Mutation.Pods;

namespace Lattice.Mesh.Injector.Tests.Mutation;

public sealed class DecisionTests
{
    [Fact]
    public void Injects_WhenTheNamespaceIsMeshEnabled()
    {
        var decision = SidecarInjector.Decide(Web(), Meshed("media"));

        Assert.True(decision.Inject);
        Assert.Contains("namespace media is labelled lattice.dev/mesh: enabled", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("annotation")]
    [InlineData("label")]
    public void Injects_WhenThePodAsks_InANamespaceThatIsNotMeshed(string where)
    {
        var pod = where == "annotation" ? Web().Annotated(Labels.Inject, "true") : Web().Labelled(Labels.Inject, "true");

        var decision = SidecarInjector.Decide(pod, Plain());

        Assert.True(decision.Inject);
        Assert.Contains($"{where} lattice.dev/inject: \"true\"", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("disabled")]
    [InlineData("")]
    [InlineData(null)]
    public void Skips_WhenTheNamespaceIsNotMeshEnabled_AndThePodDoesNotAsk(string? mesh)
    {
        var ns = mesh is null ? Plain("shop") : new NamespaceInfo("shop", new Dictionary<string, string> { [Labels.Mesh] = mesh });

        var decision = SidecarInjector.Decide(Web(), ns);

        Assert.False(decision.Inject);
        Assert.Equal("namespace shop is not labelled lattice.dev/mesh: enabled and the pod does not ask with lattice.dev/inject: \"true\"", decision.Reason);
    }

    [Theory]
    [InlineData("annotation")]
    [InlineData("label")]
    public void Skips_WhenThePodOptsOut_EvenInAMeshedNamespace(string where)
    {
        var pod = where == "annotation" ? Web().Annotated(Labels.Inject, "false") : Web().Labelled(Labels.Inject, "false");

        var decision = SidecarInjector.Decide(pod, Meshed());

        Assert.False(decision.Inject);
        Assert.Contains($"opts out with the {where} lattice.dev/inject: \"false\"", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OptOut_Wins_WhenTheLabelAndTheAnnotationDisagree()
    {
        var pod = Web().Annotated(Labels.Inject, "true").Labelled(Labels.Inject, "false");

        Assert.False(SidecarInjector.Decide(pod, Meshed()).Inject);
    }

    [Theory]
    [InlineData("kube-system")]
    [InlineData("lattice-system")]
    public void Skips_SystemNamespaces_EvenWhenMeshedAndAsked(string name)
    {
        // The pod carries no namespace (as a ReplicaSet's pod in an AdmissionReview): the request's namespace decides.
        var pod = Web().Annotated(Labels.Inject, "true");
        Assert.Null(pod.Metadata.NamespaceProperty);

        var decision = SidecarInjector.Decide(pod, Meshed(name));

        Assert.False(decision.Inject);
        Assert.Equal($"pods in namespace {name} never get a sidecar", decision.Reason);
    }

    [Fact]
    public void Skips_HostNetworkPods_EvenWhenAsked()
    {
        var pod = Web().Annotated(Labels.Inject, "true").With(p => p.Spec.HostNetwork = true);

        var decision = SidecarInjector.Decide(pod, Meshed());

        Assert.False(decision.Inject);
        Assert.Contains("hostNetwork", decision.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> AlreadyInjected => new()
    {
        { "container", "it has a container named lattice-proxy" },
        { "init container", "it has an init container named lattice-proxy" },
        { "annotation", "it has the annotation lattice.dev/status" },
    };

    [Theory]
    [MemberData(nameof(AlreadyInjected))]
    public void Skips_PodsThatAreAlreadyInjected(string evidence, string reason)
    {
        var pod = evidence switch
        {
            "container" => Web().With(p => p.Spec.Containers.Add(new() { Name = "lattice-proxy", Image = "proxy:0" })),
            "init container" => Web().With(p => p.Spec.InitContainers.Add(new() { Name = "lattice-proxy", Image = "proxy:0", RestartPolicy = "Always" })),
            _ => Web().Annotated("lattice.dev/status", "injected"),
        };

        var decision = SidecarInjector.Decide(pod, Meshed());

        Assert.False(decision.Inject);
        Assert.Equal($"the pod is already injected: {reason}", decision.Reason);
    }

    [Fact]
    public void UnknownInjectValue_IsIgnored_AndTheReasonSaysSo()
    {
        var pod = Web().Annotated(Labels.Inject, "yes");

        var meshed = SidecarInjector.Decide(pod, Meshed());
        var plain = SidecarInjector.Decide(pod, Plain());

        Assert.True(meshed.Inject);
        Assert.False(plain.Inject);
        Assert.All([meshed.Reason, plain.Reason], reason => Assert.EndsWith("lattice.dev/inject: \"yes\" is neither \"true\" nor \"false\" and is ignored", reason, StringComparison.Ordinal));
    }

    [Fact]
    public void NamespaceInfo_ComparesLabelsByValue()
    {
        var a = new NamespaceInfo("media", new Dictionary<string, string> { ["a"] = "1", [Labels.Mesh] = "enabled" });
        var b = new NamespaceInfo("media", new Dictionary<string, string> { [Labels.Mesh] = "enabled", ["a"] = "1" });
        var c = new NamespaceInfo("media", new Dictionary<string, string> { [Labels.Mesh] = "disabled", ["a"] = "1" });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }
}
