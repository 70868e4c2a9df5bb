using System.Text.Json;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Rendering;
using static Lattice.Mesh.Kubernetes.Tests.Rendering.MediaServer;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

public sealed class DeterminismTests
{
    [Theory]
    [InlineData("jellyfin")]
    [InlineData("nzbget")]
    [InlineData("sonarr")]
    public void RenderingTwice_GivesByteIdenticalJson(string name)
    {
        var first = Json(Render(name));
        var second = Json(Render(name));

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData("jellyfin")]
    [InlineData("nzbget")]
    [InlineData("sonarr")]
    public void MapsInAnotherOrder_GiveByteIdenticalJson(string name)
    {
        // Manifest maps keep no order: the same service written in reverse key order, with its callers
        // listed in reverse, must render the same bytes, or every re-apply would be a change.
        var service = Get(Load(), name);
        var context = RenderContext(name);
        var reversedContext = context with { Callers = [.. context.Callers.Reverse()] };

        var forward = Json(WorkloadRenderer.Render(service, context));
        var reversed = Json(WorkloadRenderer.Render(Reversed(service), reversedContext));

        Assert.Equal(forward, reversed);
    }

    [Fact]
    public void Json_HasApiVersionAndKind_ForEveryObject()
    {
        var kinds = Json(Render("nzbget")).Select(json =>
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            Assert.True(root.TryGetProperty("spec", out _) || root.GetProperty("kind").GetString() == "ServiceAccount", json);
            return (root.GetProperty("apiVersion").GetString(), root.GetProperty("kind").GetString(), root.GetProperty("metadata").GetProperty("name").GetString());
        });

        Assert.Equal(
            [
                ("networking.k8s.io/v1", "NetworkPolicy", "nzbget"),
                ("v1", "ServiceAccount", "nzbget"),
                ("v1", "PersistentVolumeClaim", "nzbget-config"),
                ("v1", "PersistentVolumeClaim", "nzbget-downloads"),
                ("v1", "Service", "nzbget"),
                ("apps/v1", "Deployment", "nzbget"),
            ],
            kinds);
    }

    [Fact]
    public void Json_LeavesOutWhatTheServiceDoesNotSay()
    {
        // Server-side apply owns every field it sends: no nulls, no status, nothing the API server defaults.
        var json = Json(Render("sonarr").Deployment);

        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"revisionHistoryLimit\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"progressDeadlineSeconds\"", json, StringComparison.Ordinal);
    }

    private static RenderContext RenderContext(string name)
    {
        var services = Load();
        return Kubernetes.Rendering.RenderContext.For(Compiler.Compilation.MeshCompiler.Compile(services), Id(name), UidOf(name)) with
        {
            // Callers in the seed are at most one: add some, so their order is tested too.
            Callers = [new("media", "radarr"), new("tools", "backup"), new("media", "sonarr"), new("media", "bazarr")],
        };
    }

    private static LatticeService Reversed(LatticeService service) => service with
    {
        Spec = service.Spec with
        {
            Containers = Reverse(service.Spec.Containers, c => c with
            {
                Variables = Reverse(c.Variables, v => v),
                Volumes = Reverse(c.Volumes, v => v),
                Resources = c.Resources is null ? null : new ComputeResources(Reverse(c.Resources.Requests, q => q), Reverse(c.Resources.Limits, q => q)),
            }),
            Ports = Reverse(service.Spec.Ports, p => p),
            Resources = Reverse(service.Spec.Resources, r => r),
        },
    };

    private static Dictionary<string, T> Reverse<T>(IReadOnlyDictionary<string, T> map, Func<T, T> value) =>
        map.Reverse().ToDictionary(p => p.Key, p => value(p.Value));
}
