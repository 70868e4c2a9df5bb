using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class IngressTests
{
    [Fact]
    public void ManualTlsWithoutSecretName_IsMissingSecretName()
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
                hosts: [sonarr.home.local]
                tls:
                  mode: manual
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.ingress.tls.secretName", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("secretName:", error.Fix, StringComparison.Ordinal);
        Assert.Contains("tls.crt", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Fact]
    public void ManualTlsWithSecretName_IsRead()
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
              ingress:
                hosts: [sonarr.home.local]
                tls:
                  mode: manual
                  secretName: sonarr-tls
            """));

        var ingress = service.Spec.Ingress;
        Assert.NotNull(ingress);
        Assert.Equal(["sonarr.home.local"], ingress.Hosts);
        Assert.Equal(IngressTlsMode.Manual, ingress.TlsMode);
        Assert.Equal("sonarr-tls", ingress.SecretName);
    }

    [Fact]
    public void TlsModeDefaultsToAuto_WithTheIssuerAsWritten()
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
              ingress:
                hosts: [sonarr.home.local]
                tls:
                  issuerRef: {name: letsencrypt-prod, kind: ClusterIssuer}
            """));

        var ingress = service.Spec.Ingress;
        Assert.NotNull(ingress);
        Assert.Equal(IngressTlsMode.Auto, ingress.TlsMode);
        Assert.Equal(("letsencrypt-prod", "ClusterIssuer"), (ingress.IssuerName, ingress.IssuerKind));
    }

    [Fact]
    public void IngressWithoutHosts_IsMissingHosts()
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
                tls: {mode: auto}
            """);

        var error = set.SingleError(DiagnosticIds.MissingField);
        Assert.Equal("spec.ingress.hosts", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(11, error.Location?.Line);
        Assert.Contains("hosts: [", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void HostThatIsNotADnsName_IsAnInvalidName()
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
                  - sonarr.home.local
                  - Sonarr_TV.home.local
            """);

        var error = Assert.Single(set.Diagnostics);
        Assert.Equal(DiagnosticIds.InvalidName, error.Id);
        Assert.Equal("spec.ingress.hosts[1]", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("DNS name", error.Fix, StringComparison.Ordinal);
    }
}
