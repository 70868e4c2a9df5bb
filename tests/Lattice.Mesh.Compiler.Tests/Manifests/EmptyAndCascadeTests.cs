using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class EmptyAndCascadeTests
{
    [Fact]
    public void EmptyContainers_IsAnError_NothingToRun()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata: {name: sonarr, namespace: media}
            spec:
              containers: {}
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.containers", error.Field);
        Assert.Contains("image:", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void EmptyIngressHosts_IsAnError()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata: {name: sonarr, namespace: media}
            spec:
              containers: {main: {image: sonarr:1}}
              ingress:
                hosts: []
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.ingress.hosts", error.Field);
        Assert.Contains("remove ingress", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void MisspeltDirection_IsOneError_NotAlsoAConflictWithTheDefault()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata: {name: nzbget, namespace: media}
            spec:
              containers: {main: {image: nzbget:1}}
              resources:
                sonarr:
                  type: service
                  direction: inbund
                  inbound:
                    rateLimit: {requestsPerInterval: 1000}
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidValue, error.Id);
        Assert.Contains("did you mean 'inbound'?", error.Fix, StringComparison.Ordinal);
    }
}
