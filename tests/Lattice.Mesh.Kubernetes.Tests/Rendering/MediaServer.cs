using k8s;
using k8s.Models;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Rendering;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

/// <summary>The seed's stack (examples/media-server) read by the real loader, compiled by the real compiler, and rendered.</summary>
internal static class MediaServer
{
    public const string Namespace = "media";

    public static ServiceId Id(string name) => new(Namespace, name);

    /// <summary>A stand-in for the LatticeService object's metadata.uid, distinct per service.</summary>
    public static string UidOf(string name) => $"0b6e5b2a-0000-4000-8000-{name,12}".Replace(' ', '0');

    public static IReadOnlyList<LatticeService> Load()
    {
        var manifests = ManifestLoader.Load(Repository.MediaServer);
        Assert.False(manifests.HasErrors, string.Join(Environment.NewLine, manifests.Diagnostics));
        Assert.Equal(3, manifests.Services.Count);
        return manifests.Services;
    }

    public static LatticeService Get(IReadOnlyList<LatticeService> services, string name) => Assert.Single(services, s => s.Id == Id(name));

    /// <summary>The stack with <paramref name="name"/> changed by <paramref name="change"/>.</summary>
    public static IReadOnlyList<LatticeService> With(IReadOnlyList<LatticeService> services, string name, Func<LatticeService, LatticeService> change) =>
        [.. services.Select(s => s.Id == Id(name) ? change(s) : s)];

    /// <summary>Compiles <paramref name="services"/> (the seed when null) and renders <paramref name="name"/> with its context from the compilation.</summary>
    public static RenderedWorkload Render(string name, IReadOnlyList<LatticeService>? services = null)
    {
        var mesh = MeshCompiler.Compile(services ?? Load());
        Assert.DoesNotContain(mesh.Diagnostics, d => d.IsError);
        var id = Id(name);
        return WorkloadRenderer.Render(mesh.Graph[id], RenderContext.For(mesh, id, UidOf(name)));
    }

    public static IReadOnlyList<string> Json(RenderedWorkload rendered) => [.. rendered.All().Select(o => KubernetesJson.Serialize(o))];

    public static string Json(IKubernetesObject<V1ObjectMeta> o) => KubernetesJson.Serialize(o);
}
