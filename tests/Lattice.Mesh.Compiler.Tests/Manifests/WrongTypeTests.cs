using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class WrongTypeTests
{
    [Fact]
    public void UnquotedNumberVariable_FixSaysToQuoteIt()
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
                    PUID: 1000
                    TZ: "America/New_York"
            """);

        var error = set.SingleError(DiagnosticIds.WrongType);
        Assert.Equal("spec.containers.main.variables.PUID", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("quote it", error.Fix, StringComparison.Ordinal);
        Assert.Contains("\"1000\"", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void QuotedPort_FixSaysToRemoveTheQuotes()
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
                  http: {port: "8989", protocol: TCP}
            """);

        var error = set.SingleError(DiagnosticIds.WrongType);
        Assert.Equal("spec.service.ports.http.port", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(12, error.Location?.Line);
        Assert.Contains("remove the quotes", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ScalarWhereMappingIsRequired_FixSaysToWriteKeyValuePairs()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              replicas: 3
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = set.SingleError(DiagnosticIds.WrongType);
        Assert.Equal("spec.replicas", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(7, error.Location?.Line);
        Assert.Contains("key: value", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void MappingWhereListIsRequired_FixShowsTheListForm()
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
              ingress:
                hosts:
                  sonarr: home.local
            """);

        var error = set.SingleError(DiagnosticIds.WrongType);
        Assert.Equal("spec.ingress.hosts", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(12, error.Location?.Line);
        Assert.Contains("hosts: [", error.Fix, StringComparison.Ordinal);
        Assert.Single(set.Diagnostics);
    }

    [Fact]
    public void QuotedBoolean_FixSaysToWriteItWithoutQuotes()
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
                    /config: {source: "${resources.config}", readOnly: "false"}
              resources:
                config:
                  type: volume
                  params: {size: 5Gi}
            """);

        var error = set.SingleError(DiagnosticIds.WrongType);
        Assert.Equal("spec.containers.main.volumes[\"/config\"].readOnly", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("without quotes", error.Fix, StringComparison.Ordinal);
    }
}
