using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class MissingFieldTests
{
    [Fact]
    public void ContainerWithoutImage_IsMissingImage()
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
                  args: [--debug]
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.containers.main.image", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(9, error.Location?.Line);
        Assert.Contains("image:", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void MetadataWithoutName_IsMissingName()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("metadata.name", error.Field);
        Assert.Equal("LatticeService media/<unnamed>", error.Resource);
        Assert.Equal(4, error.Location?.Line);
        Assert.Contains("metadata.name", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void DocumentWithoutSpec_IsMissingSpec()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(1, error.Location?.Line);
        Assert.Contains("containers:", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void SpecWithoutContainers_IsMissingContainers()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              environment: media
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.containers", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(7, error.Location?.Line);
        Assert.Contains("image:", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void ResourceWithoutType_IsMissingType_AndNothingElse()
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
                nzbget:
                  direction: outbound
                  outbound:
                    timeout: {request: 30s}
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.MissingField, error.Id);
        Assert.Equal("spec.resources.nzbget.type", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(12, error.Location?.Line);
        Assert.Contains("volume", error.Fix, StringComparison.Ordinal);
        Assert.Contains("external-service", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void OwnedVolumeWithoutSize_IsMissingSize()
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
                config:
                  type: volume
                  params:
                    storageClass: local-path
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.resources.config.params.size", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("size:", error.Fix, StringComparison.Ordinal);
        Assert.Contains("ref:", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void VolumeWithoutParams_IsMissingParams()
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
                config:
                  type: volume
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.resources.config.params", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Contains("size: 10Gi", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void RateLimitWithoutRequestsPerInterval_IsMissingRequestsPerInterval()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: nzbget
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/nzbget:latest
              resources:
                sonarr:
                  type: service
                  direction: inbound
                  inbound:
                    rateLimit:
                      intervalSeconds: 60
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.resources.sonarr.inbound.rateLimit.requestsPerInterval", error.Field);
        Assert.Equal("LatticeService media/nzbget", error.Resource);
        Assert.Equal(16, error.Location?.Line);
        Assert.Contains("requestsPerInterval:", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }
}
