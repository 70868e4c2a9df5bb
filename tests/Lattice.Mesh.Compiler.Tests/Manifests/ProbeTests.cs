using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class ProbeTests
{
    [Fact]
    public void HttpGetProbe_IsRead_WithDefaultPathAndScheme()
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
                  readinessProbe:
                    httpGet: {port: 8989}
                    initialDelaySeconds: 30
                    periodSeconds: 10
            """));

        var probe = service.Spec.Containers["main"].ReadinessProbe;
        Assert.NotNull(probe);
        Assert.Equal(new HttpGetAction("/", 8989, "HTTP"), probe.HttpGet);
        Assert.Equal((30, 10), (probe.InitialDelaySeconds, probe.PeriodSeconds));
    }

    [Fact]
    public void ProbeWithoutACheck_IsMissingACheck()
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
                  livenessProbe:
                    periodSeconds: 10
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.containers.main.livenessProbe.httpGet", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("tcpSocket", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("httpGet: {port: 8989}", "exec: {command: [/bin/true]}", "exec")]
    [InlineData("httpGet: {port: 8989}", "tcpSocket: {port: 8989}", "tcpSocket")]
    [InlineData("exec: {command: [/bin/true]}", "tcpSocket: {port: 8989}", "tcpSocket")]
    public void ProbeWithTwoChecks_IsAConflict(string first, string second, string reported)
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
                  startupProbe:
                    {{first}}
                    {{second}}
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.ConflictingFields, error.Id);
        Assert.Equal($"spec.containers.main.startupProbe.{reported}", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(12, error.Location?.Line);
        Assert.Contains("exactly one of", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }
}
