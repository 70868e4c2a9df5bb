using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

public sealed class VolumeTests
{
    private const string Owner = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: nzbget, namespace: media}
        spec:
          containers:
            main:
              image: nzbget:1
              volumes:
                /downloads: {source: "${resources.downloads}"}
          resources:
            downloads:
              type: volume
              params: {size: 500Gi, accessMode: ReadWriteMany}
            scratch:
              type: volume
              params: {size: 1Gi}
            alias:
              type: volume
              params: {ref: jellyfin.media}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: jellyfin, namespace: media}
        spec:
          containers:
            main: {image: jellyfin:1}
          resources:
            media:
              type: volume
              params: {size: 1Ti, accessMode: ReadWriteMany}
        """;

    [Fact]
    public void Reference_MountsTheOwnersClaim_WithSubPathAndReadOnly()
    {
        var mesh = Compile("""
            downloads:
              type: volume
              params: {ref: nzbget.downloads}
            """, mounts: """/downloads: {source: "${resources.downloads}", path: tv/complete, readOnly: true}""");

        var claim = Assert.Single(mesh.RouteTables[new("media", "sonarr")].Volumes);
        Assert.Equal(("nzbget-downloads", "media/nzbget", "500Gi"), (claim.ClaimName, claim.Owner, claim.Size));
        var mount = Assert.Single(claim.Mounts);
        Assert.Equal(("main", "/downloads", "tv/complete", true), (mount.Container, mount.MountPath, mount.SubPath, mount.ReadOnly));
        Assert.DoesNotContain(mesh.Diagnostics, d => d.IsError);
    }

    [Fact]
    public void Reference_ToAMissingOwner_IsAnError_SuggestingTheClosestService()
    {
        var error = Error(DiagnosticIds.VolumeOwnerMissing, """
            downloads:
              type: volume
              params: {ref: nzbgte.downloads}
            """);

        Assert.Equal("spec.resources.downloads.params.ref", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Contains("ref: nzbget.downloads", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Reference_ToAMissingVolume_IsAnError_ListingTheOwnersVolumes()
    {
        var error = Error(DiagnosticIds.VolumeMissing, """
            downloads:
              type: volume
              params: {ref: nzbget.download}
            """);

        Assert.Contains("nzbget.downloads", error.Fix, StringComparison.Ordinal);
        Assert.Contains("nzbget.scratch", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Reference_ToAReference_IsAnError_PointingAtTheRealOwner()
    {
        var error = Error(DiagnosticIds.VolumeRefToRef, """
            media:
              type: volume
              params: {ref: nzbget.alias}
            """);

        Assert.Equal("refer to the owner directly: ref: jellyfin.media", error.Fix);
    }

    [Fact]
    public void Reference_ToItself_IsAnError()
    {
        var error = Error(DiagnosticIds.VolumeRefToSelf, """
            config:
              type: volume
              params: {ref: sonarr.config}
            """);

        Assert.Contains("refers to this service itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SharedVolume_ThatIsNotReadWriteMany_IsAWarning_ThatExplainsHardlinks()
    {
        var mesh = Compile("""
            scratch:
              type: volume
              params: {ref: nzbget.scratch}
            """);

        var warning = Assert.Single(mesh.Diagnostics, d => d.Id == DiagnosticIds.SharedVolumeNotReadWriteMany);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Contains("hardlinks", warning.Message, StringComparison.Ordinal);
        Assert.Contains("accessMode: ReadWriteMany", warning.Fix, StringComparison.Ordinal);
        Assert.True(mesh.RouteTables.ContainsKey(new("media", "sonarr")), "a warning does not stop the table");
    }

    [Fact]
    public void ServiceWithABadReference_GetsNoTable_ButTheOthersDo()
    {
        var mesh = Compile("""
            downloads:
              type: volume
              params: {ref: nzbget.nothing}
            """);

        Assert.Contains(new ServiceId("media", "sonarr"), mesh.Failed);
        Assert.False(mesh.RouteTables.ContainsKey(new("media", "sonarr")));
        Assert.True(mesh.RouteTables.ContainsKey(new("media", "nzbget")));
        Assert.True(mesh.RouteTables.ContainsKey(new("media", "jellyfin")));
    }

    [Fact]
    public void Error_PointsAtTheLineOfTheField()
    {
        const string resources = """
            downloads:
              type: volume
              params: {ref: nzbget.download}
            """;

        var error = Error(DiagnosticIds.VolumeMissing, resources);

        var lines = Document(resources, "{}").Split('\n');
        var refLine = Array.FindIndex(lines, l => l.Contains("{ref: nzbget.download}", StringComparison.Ordinal)) + 1;
        Assert.Equal("test.yaml", error.Location?.File);
        Assert.Equal(refLine, error.Location?.Line);
    }

    private static MeshCompilation Compile(string resources, string mounts = "{}")
    {
        var set = Yaml.Read(Document(resources, mounts));
        Assert.False(set.HasErrors, string.Join(Environment.NewLine, set.Diagnostics));
        return MeshCompiler.Compile(set.Services);
    }

    private static string Document(string resources, string mounts)
    {
        var consumer = $"""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata: {"{"}name: sonarr, namespace: media{"}"}
            spec:
              containers:
                main:
                  image: sonarr:1
                  volumes:
                    {mounts}
              resources:
            {Indent(resources, "    ")}
            """;
        return Owner + "\n---\n" + consumer;
    }

    private static Diagnostic Error(string id, string resources)
    {
        var mesh = Compile(resources);
        var error = Assert.Single(mesh.Diagnostics, d => d.Id == id);
        Assert.True(error.IsError);
        Assert.False(string.IsNullOrWhiteSpace(error.Fix));
        return error;
    }

    private static string Indent(string text, string prefix) =>
        string.Join('\n', text.Split('\n').Select(line => prefix + line));
}
