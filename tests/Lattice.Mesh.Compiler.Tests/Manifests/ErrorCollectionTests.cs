using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class ErrorCollectionTests
{
    [Fact]
    public void EveryMistakeInOneManifest_IsReportedAtOnce()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              environmnet: media
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  variables: {PUID: 1000}
              service:
                ports:
                  http: {port: "8989"}
              resources:
                config:
                  type: volume
                  params: {size: 5GB}
                nzbget:
                  type: service
                  direction: outgoing
            """);

        var found = set.Diagnostics.Select(d => (d.Id, d.Field, d.Location?.Line)).Order().ToList();
        (string, string?, int?)[] expected =
        [
            (DiagnosticIds.UnknownField, "spec.environmnet", 7),
            (DiagnosticIds.WrongType, "spec.containers.main.variables.PUID", 11),
            (DiagnosticIds.WrongType, "spec.service.ports.http.port", 14),
            (DiagnosticIds.InvalidValue, "spec.resources.nzbget.direction", 21),
            (DiagnosticIds.InvalidQuantity, "spec.resources.config.params.size", 18),
        ];
        Assert.Equal(expected.Order(), found);
        Assert.All(set.Diagnostics, d => Assert.Equal("LatticeService media/sonarr", d.Resource));
        Assert.All(set.Diagnostics, d => Assert.True(d.IsError));
        Assert.Empty(set.Services);
    }

    [Fact]
    public void OneBadService_DoesNotStopTheOthers()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: jellyfin
              namespace: media
            spec:
              containers:
                main:
                  image: jellyfin/jellyfin:10.10.3
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  variables: {PUID: 1000}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: nzbget
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/nzbget:latest
            """, "media.yaml");

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.WrongType, error.Id);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(("media.yaml", 20), (error.Location?.File, error.Location?.Line));
        Assert.Equal(["jellyfin", "nzbget"], set.Services.Select(s => s.Id.Name));
    }

    [Fact]
    public void ErrorsInEveryDocument_AreAllReported_EachNamingItsResource()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main: {}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: nzbget
              namespace: media
            spec:
              containers:
                main: {}
            """);

        Assert.Equal(
            ["LatticeService media/sonarr", "LatticeService media/nzbget"],
            set.Diagnostics.Where(d => d.Id == DiagnosticIds.MissingField).Select(d => d.Resource));
        Assert.Empty(set.Services);
    }
}
