using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class NameTests
{
    [Fact]
    public void ServiceNameWithCapitalsAndUnderscore_IsInvalid()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: Sonarr_1
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = set.SingleError(DiagnosticIds.InvalidName);
        Assert.Equal("metadata.name", error.Field);
        Assert.Equal("LatticeService media/Sonarr_1", error.Resource);
        Assert.Equal(4, error.Location?.Line);
        Assert.Contains("lower-case letters, digits and '-'", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void InvalidNamespace_IsInvalid()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: Media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = set.SingleError(DiagnosticIds.InvalidName);
        Assert.Equal("metadata.namespace", error.Field);
        Assert.Equal("LatticeService Media/sonarr", error.Resource);
        Assert.Equal(5, error.Location?.Line);
        Assert.Contains("lower-case", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void InvalidResourceName_SaysItIsTheOtherServicesName()
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
                NZBGet: {type: service}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidName);
        Assert.Equal("spec.resources.NZBGet", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("the other service's name", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidEnvironmentVariableName_IsInvalid()
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
                  variables:
                    1TZ: "America/New_York"
            """);

        var error = set.SingleError(DiagnosticIds.InvalidName);
        Assert.Equal("spec.containers.main.variables.1TZ", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("not starting with a digit", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidPortName_IsInvalid_AtThatPort()
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
                  http: {port: 8989}
                  Web_UI: {port: 8990}
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidName, error.Id);
        Assert.Equal("spec.service.ports.Web_UI", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("at most 15 lower-case letters", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }
}
