using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class EnumValueTests
{
    [Fact]
    public void UnknownDirection_FixListsTheAllowedDirections()
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
                  direction: outgoing
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.resources.nzbget.direction", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("outbound", error.Fix, StringComparison.Ordinal);
        Assert.Contains("inbound", error.Fix, StringComparison.Ordinal);
        Assert.Contains("both", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void UnknownAccessMode_SuggestsAndListsTheAccessModes()
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
                downloads:
                  type: volume
                  params: {size: 500Gi, accessMode: ReadWriteSome}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.resources.downloads.params.accessMode", error.Field);
        Assert.Equal("LatticeService media/nzbget", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("did you mean", error.Fix, StringComparison.Ordinal);
        Assert.Contains("ReadWriteMany", error.Fix, StringComparison.Ordinal);
        Assert.Contains("ReadWriteOnce", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspeltRetryCondition_SuggestsTheClosestCondition()
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
                    retries:
                      attempts: 3
                      retryOn: [connect-failure, 5xxx]
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.resources.nzbget.outbound.retries.retryOn[1]", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(16, error.Location?.Line);
        Assert.Contains("did you mean '5xx'?", error.Fix, StringComparison.Ordinal);
        Assert.Contains("gateway-error", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void LowerCaseProtocol_SuggestsTheUpperCaseOne()
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
                  http: {port: 8989, protocol: tcp}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.service.ports.http.protocol", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(12, error.Location?.Line);
        Assert.Contains("did you mean 'TCP'?", error.Fix, StringComparison.Ordinal);
    }
}
