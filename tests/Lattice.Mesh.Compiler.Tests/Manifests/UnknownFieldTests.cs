using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class UnknownFieldTests
{
    [Fact]
    public void UnknownField_SuggestsClosestKnownField()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              replcas: {min: 2}
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = set.SingleError(DiagnosticIds.UnknownField);
        Assert.Equal("spec.replcas", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(7, error.Location?.Line);
        Assert.Contains("'replicas'", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void UnknownNestedField_SuggestsClosestKnownField()
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
                  type: service
                  outbound:
                    retires: {attempts: 3}
                    timeout: {request: 30s}
            """);

        var error = set.SingleError(DiagnosticIds.UnknownField);
        Assert.Equal("spec.resources.nzbget.outbound.retires", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("'retries'", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspeltDirection_SuggestsDirection_AndIsTheOnlyError()
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
                  direciton: inbound
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.UnknownField, error.Id);
        Assert.Equal("spec.resources.sonarr.direciton", error.Field);
        Assert.Equal("LatticeService media/nzbget", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("'direction'", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFieldInContainer_WithNothingClose_ListsTheKnownFields()
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
                  securityContext: {privileged: true}
            """);

        var error = set.SingleError(DiagnosticIds.UnknownField);
        Assert.Equal("spec.containers.main.securityContext", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(10, error.Location?.Line);
        Assert.Contains("remove it", error.Fix, StringComparison.Ordinal);
        Assert.Contains("image", error.Fix, StringComparison.Ordinal);
        Assert.Contains("readinessProbe", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownTopLevelField_IsAnError_ButStatusAndMetadataLabelsAreNot()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
              labels: {app: sonarr}
              annotations: {note: anything}
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            status:
              observedGeneration: 1
            specs: {}
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.UnknownField, error.Id);
        Assert.Equal("specs", error.Field);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("'spec'", error.Fix, StringComparison.Ordinal);
    }
}
