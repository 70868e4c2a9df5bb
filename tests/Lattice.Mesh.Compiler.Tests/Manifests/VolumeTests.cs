using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class VolumeTests
{
    [Theory]
    [InlineData("size: 5Gi")]
    [InlineData("storageClass: local-path")]
    [InlineData("accessMode: ReadWriteMany")]
    public void VolumeReferenceWithOwnersSettings_IsAConflict(string setting)
    {
        var field = setting[..setting.IndexOf(':', StringComparison.Ordinal)];
        var set = Yaml.Read($$"""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
              resources:
                downloads:
                  type: volume
                  params:
                    ref: nzbget.downloads
                    {{setting}}
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal($"spec.resources.downloads.params.{field}", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(15, error.Location?.Line);
        Assert.Contains($"remove {field}", error.Fix, StringComparison.Ordinal);
        Assert.Contains("owner's volume", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void VolumeReferenceThatIsNotServiceDotVolume_IsRejected()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
              resources:
                downloads:
                  type: volume
                  params: {ref: nzbget/downloads}
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidValue, error.Id);
        Assert.Equal("spec.resources.downloads.params.ref", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("ref: nzbget.downloads", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void VolumeReferenceAndOwnedVolume_AreReadAsSuch()
    {
        var service = Assert.Single(Yaml.Services("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /config: {source: "${resources.config}"}
                    /downloads: {source: "${resources.downloads}", path: tv/complete, readOnly: true}
              resources:
                config:
                  type: volume
                  params: {size: 5Gi, storageClass: local-path}
                downloads:
                  type: volume
                  params: {ref: nzbget.downloads}
            """));

        var owned = Assert.IsType<OwnedVolume>(service.Spec.Resources["config"]);
        Assert.Equal("5Gi", owned.Size);
        Assert.Equal("local-path", owned.StorageClass);
        Assert.Equal("ReadWriteOnce", owned.AccessMode);
        var reference = Assert.IsType<VolumeReference>(service.Spec.Resources["downloads"]);
        Assert.Equal(("nzbget", "downloads"), (reference.OwnerService, reference.OwnerVolume));
        var mount = service.Spec.Containers["main"].Volumes["/downloads"];
        Assert.Equal(new ContainerVolumeSpec("downloads", "tv/complete", true), mount);
    }

    [Fact]
    public void MountOfAMissingResource_SuggestsTheClosestVolume()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /downloads: {source: "${resources.download}"}
              resources:
                downloads:
                  type: volume
                  params: {ref: nzbget.downloads}
            """);

        var error = set.SingleError(DiagnosticIds.UnknownVolumeSource);
        Assert.Equal("spec.containers.main.volumes[\"/downloads\"].source", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("${resources.downloads}", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void MountOfAMissingResource_WithNothingClose_SaysToAddTheVolume()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /config: {source: "${resources.config}"}
            """);

        var error = set.SingleError(DiagnosticIds.UnknownVolumeSource);
        Assert.Equal("spec.containers.main.volumes[\"/config\"].source", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("add resources.config", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void MountOfAServiceResource_SaysItIsNotAVolume()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /downloads: {source: "${resources.nzbget}"}
              resources:
                nzbget:
                  type: service
            """);

        var error = set.SingleError(DiagnosticIds.UnknownVolumeSource);
        Assert.Equal("spec.containers.main.volumes[\"/downloads\"].source", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("resources.nzbget is not a volume", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void MountSourceThatIsNotAReference_ShowsTheReferenceForm()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /config: {source: config}
              resources:
                config:
                  type: volume
                  params: {size: 5Gi}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.containers.main.volumes[\"/config\"].source", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("${resources.<name>}", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/abs/dir")]
    [InlineData("../escape")]
    public void MountSubPathOutsideTheVolume_IsRejected(string subPath)
    {
        var set = Yaml.Read($$"""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /config: {source: "${resources.config}", path: {{subPath}}}
              resources:
                config:
                  type: volume
                  params: {size: 5Gi}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.containers.main.volumes[\"/config\"].path", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("relative path without '..'", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeMountPath_IsRejected_WithTheAbsolutePathAsFix()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    config: {source: "${resources.config}"}
              resources:
                config:
                  type: volume
                  params: {size: 5Gi}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.containers.main.volumes.config", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("/config", error.Fix, StringComparison.Ordinal);
    }
}
