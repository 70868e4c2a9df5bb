using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Rendering;
using static Lattice.Mesh.Kubernetes.Tests.Rendering.MediaServer;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

public sealed class RenderContextTests
{
    [Theory]
    [InlineData("nzbget", new[] { "media/sonarr" }, false)]
    [InlineData("jellyfin", new[] { "media/sonarr" }, true)]
    [InlineData("sonarr", new string[0], true)]
    public void For_TakesTheCallersFromTheAgreementGraph_AndIngressFromTheSpec(string name, string[] callers, bool ingress)
    {
        var context = RenderContext.For(MeshCompiler.Compile(Load()), Id(name), UidOf(name));

        Assert.Equal(callers, context.Callers.Select(c => c.ToString()));
        Assert.Equal(ingress, context.HasIngress);
        Assert.Equal(UidOf(name), context.OwnerUid);
        Assert.Equal((new ServiceId("lattice-system", "lattice-gateway"), "lattice.local"), (context.Gateway, context.TrustDomain));
    }

    [Fact]
    public void For_TakesTheGatewayAndTrustDomainFromTheOptions()
    {
        var options = new CompilerOptions { Gateway = new("edge", "edge-gateway"), TrustDomain = "home.example" };

        var context = RenderContext.For(MeshCompiler.Compile(Load(), options), Id("jellyfin"), UidOf("jellyfin"), options);

        Assert.Equal((new ServiceId("edge", "edge-gateway"), "home.example"), (context.Gateway, context.TrustDomain));
    }

    [Fact]
    public void For_AServiceNotInTheGraph_Throws_NamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => RenderContext.For(MeshCompiler.Compile(Load()), Id("radarr"), UidOf("radarr")));

        Assert.Contains("media/radarr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Callers_AreSortedWithoutDuplicates_SoContextsCompareByValue()
    {
        var one = new RenderContext { OwnerUid = "u", Callers = [new("media", "sonarr"), new("apps", "b"), new("media", "sonarr")] };
        var other = new RenderContext { OwnerUid = "u", Callers = [new("apps", "b"), new("media", "sonarr")] };

        Assert.Equal([new ServiceId("apps", "b"), new ServiceId("media", "sonarr")], one.Callers);
        Assert.Equal(one, other);
        Assert.Equal(one.GetHashCode(), other.GetHashCode());
        Assert.NotEqual(one, other with { Callers = [new("apps", "b")] });
        Assert.NotEqual(one, other with { HasIngress = true });
        Assert.NotEqual(one, other with { OwnerUid = "v" });
    }
}
