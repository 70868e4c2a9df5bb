using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class ManifestLoaderTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("lattice-loader-");

    public void Dispose() => _root.Delete(recursive: true);

    private static string Service(string name, string? ns = null) => $"""
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata:
          name: {name}
        {(ns is null ? string.Empty : $"  namespace: {ns}")}
        spec:
          containers:
            main:
              image: example/{name}:1.0
        """;

    private string Write(string relativePath, string text)
    {
        var path = Path.Combine(_root.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static IEnumerable<ServiceId> Ids(ManifestSet set) => set.Services.Select(s => s.Id).Order();

    private static void AssertNoErrors(ManifestSet set) =>
        Assert.False(set.HasErrors, string.Join(Environment.NewLine, set.Diagnostics));

    [Fact]
    public void SingleFile_IsRead()
    {
        var file = Write("sonarr.yaml", Service("sonarr", "media"));

        var set = ManifestLoader.Load(file);

        AssertNoErrors(set);
        Assert.Equal([new ServiceId("media", "sonarr")], Ids(set));
        Assert.Equal(file, Path.GetFullPath(Assert.Single(set.Files)));
    }

    [Fact]
    public void FolderWithoutKustomization_ReadsYamlYmlAndJsonFiles_ButNotSubfolders()
    {
        Write("a.yaml", Service("a"));
        Write("b.yml", Service("b"));
        Write("c.json", """
            {"apiVersion": "lattice.dev/v1alpha1", "kind": "LatticeService", "metadata": {"name": "c"},
             "spec": {"containers": {"main": {"image": "example/c:1.0"}}}}
            """);
        Write("notes.txt", Service("txt"));
        Write("nested/d.yaml", Service("d"));

        var set = ManifestLoader.Load(_root.FullName);

        AssertNoErrors(set);
        Assert.Equal(["a", "b", "c"], Ids(set).Select(id => id.Name));
        Assert.Equal(3, set.Files.Count);
    }

    [Fact]
    public void Kustomization_ReadsTheListedFiles_WithItsNamespace()
    {
        Write("kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: media
            resources:
              - sonarr.yaml
              - namespace.yaml
            """);
        Write("sonarr.yaml", Service("sonarr", "elsewhere"));
        Write("namespace.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: media
            """);
        Write("unlisted.yaml", Service("unlisted"));

        var set = ManifestLoader.Load(_root.FullName);

        AssertNoErrors(set);
        Assert.Equal([new ServiceId("media", "sonarr")], Ids(set));
        Assert.Equal(1, set.OtherDocuments);
    }

    [Fact]
    public void KustomizationFile_CanBeGivenDirectly()
    {
        var kustomization = Write("kustomization.yaml", """
            resources: [sonarr.yaml]
            """);
        Write("sonarr.yaml", Service("sonarr", "media"));

        var set = ManifestLoader.Load(kustomization);

        AssertNoErrors(set);
        Assert.Equal([new ServiceId("media", "sonarr")], Ids(set));
    }

    [Fact]
    public void NestedKustomizations_AreRead_AndTheOuterNamespaceWins()
    {
        Write("kustomization.yaml", """
            namespace: media
            resources:
              - sonarr.yaml
              - downloads
            """);
        Write("sonarr.yaml", Service("sonarr"));
        Write("downloads/kustomization.yaml", """
            namespace: downloads
            resources: [nzbget.yaml]
            """);
        Write("downloads/nzbget.yaml", Service("nzbget", "other"));

        var nested = ManifestLoader.Load(Path.Combine(_root.FullName, "downloads"));
        var outer = ManifestLoader.Load(_root.FullName);

        AssertNoErrors(nested);
        Assert.Equal([new ServiceId("downloads", "nzbget")], Ids(nested));
        AssertNoErrors(outer);
        Assert.Equal([new ServiceId("media", "nzbget"), new ServiceId("media", "sonarr")], Ids(outer));
    }

    [Fact]
    public void KustomizationsThatIncludeEachOther_AreACycle()
    {
        Write("a/kustomization.yaml", """
            resources: [a.yaml, ../b]
            """);
        Write("a/a.yaml", Service("a"));
        Write("b/kustomization.yaml", """
            resources: [b.yaml, ../a]
            """);
        Write("b/b.yaml", Service("b"));

        var set = ManifestLoader.Load(Path.Combine(_root.FullName, "a"));

        var error = set.SingleError(DiagnosticIds.KustomizationCycle);
        Assert.NotNull(error.Location);
        Assert.Equal(Path.Combine(_root.FullName, "a", "kustomization.yaml"), Path.GetFullPath(error.Location.File));
        Assert.Contains("resources:", error.Fix, StringComparison.Ordinal);
        Assert.Single(set.Diagnostics);
        Assert.Equal(["a", "b"], Ids(set).Select(id => id.Name));
    }

    [Fact]
    public void MissingResourcesEntry_IsPathNotFound_NamingTheKustomization()
    {
        var kustomization = Write("kustomization.yaml", """
            resources:
              - sonarr.yaml
              - nzbget.yaml
            """);
        Write("sonarr.yaml", Service("sonarr"));

        var set = ManifestLoader.Load(_root.FullName);

        var error = set.SingleError(DiagnosticIds.PathNotFound);
        Assert.Equal("resources[1]", error.Field);
        Assert.Equal("Kustomization", error.Resource);
        Assert.NotNull(error.Location);
        Assert.Equal(kustomization, Path.GetFullPath(error.Location.File));
        Assert.Equal(3, error.Location.Line);
        Assert.Contains("nzbget.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains("relative to the kustomization's folder", error.Fix, StringComparison.Ordinal);
        Assert.Equal(["sonarr"], Ids(set).Select(id => id.Name));
    }

    [Fact]
    public void FolderInResourcesWithoutKustomization_IsAnError()
    {
        var kustomization = Write("kustomization.yaml", """
            resources:
              - services
            """);
        Write("services/sonarr.yaml", Service("sonarr"));

        var set = ManifestLoader.Load(_root.FullName);

        var error = set.SingleError(DiagnosticIds.PathNotFound);
        Assert.NotNull(error.Location);
        Assert.Equal(kustomization, Path.GetFullPath(error.Location.File));
        Assert.Equal(2, error.Location.Line);
        Assert.Contains("add a kustomization.yaml", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Theory]
    [InlineData("namePrefix: dev-")]
    [InlineData("patches: [{path: patch.yaml}]")]
    public void UnsupportedKustomizeFields_AreAWarning(string field)
    {
        var name = field[..field.IndexOf(':', StringComparison.Ordinal)];
        Write("kustomization.yaml", $"""
            {field}
            resources: [sonarr.yaml]
            """);
        Write("sonarr.yaml", Service("sonarr"));

        var set = ManifestLoader.Load(_root.FullName);

        var warning = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.KustomizationUnsupported, warning.Id);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal(name, warning.Field);
        Assert.Contains("kubectl kustomize", warning.Fix, StringComparison.Ordinal);
        Assert.False(set.HasErrors);
        Assert.Single(set.Services);
    }

    [Fact]
    public void MissingPath_IsPathNotFound()
    {
        var set = ManifestLoader.Load(Path.Combine(_root.FullName, "nothing-here"));

        var error = set.SingleError(DiagnosticIds.PathNotFound);
        Assert.Contains("kustomization.yaml", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Files);
    }

    [Fact]
    public void MediaServerExample_LoadsThreeServices_WithoutErrors()
    {
        var set = ManifestLoader.Load(Repository.MediaServer);

        Assert.Empty(set.Diagnostics);
        Assert.Equal(
            [new ServiceId("media", "jellyfin"), new ServiceId("media", "nzbget"), new ServiceId("media", "sonarr")],
            Ids(set));
        Assert.Equal(1, set.OtherDocuments);
    }
}
