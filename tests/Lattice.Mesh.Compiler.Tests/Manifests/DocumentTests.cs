using Lattice.Mesh.Compiler.Diagnostics;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class DocumentTests
{
    [Fact]
    public void UnsupportedLatticeApiVersion_SaysWhichVersionToUse()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.UnsupportedApiVersion, error.Id);
        Assert.Equal("apiVersion", error.Field);
        Assert.Equal(1, error.Location?.Line);
        Assert.Contains("apiVersion: lattice.dev/v1alpha1", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
        Assert.Equal(0, set.OtherDocuments);
    }

    [Fact]
    public void MisspeltKindInTheLatticeGroup_IsAnError_WithSuggestion()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LaticeService
            metadata:
              name: sonarr
              namespace: media
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidValue, error.Id);
        Assert.Equal("kind", error.Field);
        Assert.Equal(2, error.Location?.Line);
        Assert.Contains("did you mean 'LatticeService'?", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
        Assert.Equal(0, set.OtherDocuments);
    }

    [Fact]
    public void DocumentWithoutKind_IsMissingKind()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            metadata:
              name: sonarr
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("kind", error.Field);
        Assert.Equal(1, error.Location?.Line);
        Assert.Contains("kind: LatticeService", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlSyntaxError_NamesTheLine_AndReadsNothingFromTheFile()
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
                  image: "linuxserver/sonarr:latest
                  args: [--debug]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: nzbget
            spec:
              containers:
                main:
                  image: linuxserver/nzbget:latest
            """, "media.yaml");

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.YamlSyntax, error.Id);
        Assert.Equal("media.yaml", error.Location?.File);
        Assert.Equal(9, error.Location?.Line);
        Assert.Contains("this line", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void BadIndentation_NamesTheLine()
    {
        var set = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
             namespace: media
            spec: {}
            """);

        var error = set.SingleError(DiagnosticIds.YamlSyntax);
        Assert.Equal(5, error.Location?.Line);
        Assert.Contains("indentation", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherKinds_AreSkippedWithoutError_AndCounted()
    {
        var set = Yaml.Read("""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: media
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: sonarr-settings
              namespace: media
            data:
              anything: goes
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
            """);

        Assert.Empty(set.Diagnostics);
        Assert.Equal(2, set.OtherDocuments);
        Assert.Equal("sonarr", Assert.Single(set.Services).Id.Name);
    }

    [Fact]
    public void EmptyDocuments_AreFine()
    {
        var set = Yaml.Read("""
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
            ---
            # nothing but a comment
            ---
            """);

        Assert.Empty(set.Diagnostics);
        Assert.Equal(0, set.OtherDocuments);
        Assert.Single(set.Services);
    }

    [Fact]
    public void EmptyText_ReadsNothing_WithoutError()
    {
        var set = Yaml.Read(string.Empty);

        Assert.Empty(set.Diagnostics);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void DocumentThatIsNotAMapping_IsNotAnObject()
    {
        var set = Yaml.Read("""
            - apiVersion: lattice.dev/v1alpha1
              kind: LatticeService
            """);

        var error = set.SingleError(DiagnosticIds.NotAnObject);
        Assert.Equal(1, error.Location?.Line);
        Assert.Contains("apiVersion, kind and metadata", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceRecordsWhereItsFieldsWereWritten()
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
              resources:
                nzbget:
                  type: service
                  direction: outbound
            """));

        Assert.Equal(1, service.Source.Line);
        Assert.Equal(13, service.LocationOf("spec.resources.nzbget.direction").Line);
        Assert.Equal(11, service.LocationOf("spec.resources.nzbget.outbound.timeout").Line);
    }
}
