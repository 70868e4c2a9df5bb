using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class DurationAndQuantityTests
{
    private static string WithTimeout(string request) => $$"""
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
                timeout: {request: {{request}}}
        """;

    [Fact]
    public void DurationWithUnknownUnit_FixGivesTheDurationSyntax()
    {
        var set = Yaml.Read(WithTimeout("10x"));

        var error = set.SingleError(DiagnosticIds.InvalidDuration);
        Assert.Equal("spec.resources.nzbget.outbound.timeout.request", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("ms, s, m, h", error.Fix, StringComparison.Ordinal);
        Assert.Contains("1h30m", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void DurationWithoutUnit_FixSuggestsSeconds()
    {
        var set = Yaml.Read(WithTimeout("10"));

        var error = set.SingleError(DiagnosticIds.InvalidDuration);
        Assert.Equal("spec.resources.nzbget.outbound.timeout.request", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("10s", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroDuration_IsOutOfRange()
    {
        var set = Yaml.Read(WithTimeout("0s"));

        var error = set.SingleError(DiagnosticIds.OutOfRange);
        Assert.Equal("spec.resources.nzbget.outbound.timeout.request", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Contains("10s", error.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1h30m", 5_400_000)]
    public void GoDurations_AreRead(string text, int milliseconds)
    {
        var service = Assert.Single(Yaml.Services(WithTimeout(text)));

        var dependency = Assert.IsType<ServiceDependency>(service.Spec.Resources["nzbget"]);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), dependency.Timeout?.Request);
    }

    [Fact]
    public void DecimalGigabyteSize_IsNotAQuantity_FixNamesTheBinarySuffixes()
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
                    size: 5GB
            """);

        var error = set.SingleError(DiagnosticIds.InvalidQuantity);
        Assert.Equal("spec.resources.config.params.size", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("Gi", error.Fix, StringComparison.Ordinal);
        Assert.Contains("500Gi", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void BadCpuRequest_IsNotAQuantity()
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
                    requests: {cpu: half a core, memory: 256Mi}
            """);

        var error = set.SingleError(DiagnosticIds.InvalidQuantity);
        Assert.Equal("spec.containers.main.resources.requests.cpu", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("100m", error.Fix, StringComparison.Ordinal);
    }
}
