using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class RangeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void RetryAttemptsOutsideOneToTen_AreOutOfRange(int attempts)
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
              resources:
                nzbget:
                  type: service
                  outbound:
                    retries:
                      attempts: {{attempts}}
            """);

        var error = set.SingleError(DiagnosticIds.OutOfRange);
        Assert.Equal("spec.resources.nzbget.outbound.retries.attempts", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(15, error.Location?.Line);
        Assert.Contains("from 1 to 10", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void RetryAttemptsAtTheLimits_AreAccepted(int attempts)
    {
        var service = Assert.Single(Yaml.Services($$"""
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
                    retries:
                      attempts: {{attempts}}
            """));

        var dependency = Assert.IsType<ServiceDependency>(service.Spec.Resources["nzbget"]);
        Assert.Equal(attempts, dependency.Retries?.Attempts);
    }

    [Fact]
    public void PortAbove65535_IsOutOfRange()
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
              service:
                ports:
                  http:
                    port: 70000
            """);

        var error = set.SingleError(DiagnosticIds.OutOfRange);
        Assert.Equal("spec.service.ports.http.port", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("from 1 to 65535", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicaMaxBelowMin_IsAConflict()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              replicas:
                min: 3
                max: 2
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal("spec.replicas.max", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(9, error.Location?.Line);
        Assert.Contains("at least 3", error.Fix, StringComparison.Ordinal);
    }
}
