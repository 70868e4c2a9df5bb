using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests;

/// <summary>Reads manifests from text the way the loader reads a file.</summary>
internal static class Yaml
{
    public static ManifestSet Read(string yaml, string file = "test.yaml", string? namespaceOverride = null)
    {
        var services = new List<LatticeService>();
        var diagnostics = new List<Diagnostic>();
        var others = ManifestReader.Read(yaml, file, namespaceOverride, services, diagnostics);
        return new ManifestSet { Services = services, Diagnostics = diagnostics, Files = [file], OtherDocuments = others };
    }

    /// <summary>Reads manifests that must be valid, failing the test with every diagnostic otherwise.</summary>
    public static IReadOnlyList<LatticeService> Services(string yaml)
    {
        var set = Read(yaml);
        Assert.False(set.HasErrors, string.Join(Environment.NewLine, set.Diagnostics));
        return set.Services;
    }

    /// <summary>The one error with <paramref name="id"/>, failing the test if there is not exactly one.</summary>
    public static Diagnostic SingleError(this ManifestSet set, string id)
    {
        var matches = set.Diagnostics.Where(d => d.Id == id && d.IsError).ToList();
        Assert.True(matches.Count == 1, $"expected one {id} error, got {matches.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, set.Diagnostics)}");
        return matches[0];
    }
}
