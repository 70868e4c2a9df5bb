using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class DependencyTests
{
    [Fact]
    public void OutboundPolicyOnAnInboundOnlyDependency_IsAConflict()
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
                sonarr:
                  type: service
                  direction: inbound
                  outbound:
                    timeout: {request: 30s}
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal("spec.resources.sonarr.outbound", error.Field);
        Assert.Equal("LatticeService media/nzbget", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("direction to both", error.Fix, StringComparison.Ordinal);
        Assert.Contains("remove outbound", error.Fix, StringComparison.Ordinal);
        Assert.Empty(set.Services);
    }

    [Theory]
    [InlineData("direction: outbound")]
    [InlineData("# direction defaults to outbound")]
    public void InboundPolicyOnAnOutboundOnlyDependency_IsAConflict(string direction)
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
                  {{direction}}
                  inbound:
                    rateLimit: {requestsPerInterval: 100}
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal("spec.resources.nzbget.inbound", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("direction to both", error.Fix, StringComparison.Ordinal);
        Assert.Contains("remove inbound", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void BothDirections_CarryBothPolicies()
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
                  direction: both
                  namespace: downloads
                  outbound:
                    retries: {attempts: 3, perTryTimeout: 10s, retryOn: [5xx, connect-failure]}
                    timeout: {request: 30s}
                  inbound:
                    rateLimit: {requestsPerInterval: 1000, intervalSeconds: 60, burst: 50}
            """));

        var dependency = Assert.IsType<ServiceDependency>(service.Spec.Resources["nzbget"]);
        Assert.Equal(Direction.Both, dependency.Direction);
        Assert.Equal("downloads", dependency.Namespace);
        Assert.Equal(new RetryPolicy { Attempts = 3, PerTryTimeout = TimeSpan.FromSeconds(10), RetryOn = [RetryCondition.ServerError, RetryCondition.ConnectFailure] }, dependency.Retries);
        Assert.Equal(TimeSpan.FromSeconds(30), dependency.Timeout?.Request);
        Assert.Equal(new RateLimitSpec(1000, 60, 50), dependency.RateLimit);
    }

    [Fact]
    public void PerTryTimeoutLongerThanTheRequestTimeout_IsAConflict()
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
                    retries: {attempts: 3, perTryTimeout: 1m}
                    timeout: {request: 30s}
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal("spec.resources.nzbget.outbound.retries", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(14, error.Location?.Line);
        Assert.Contains("perTryTimeout", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceResourceWithParams_IsAConflict()
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
                  params: {timeout: 30s}
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal("spec.resources.nzbget.params", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("outbound:", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void InboundExternalService_IsAConflict()
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
                indexers:
                  type: external-service
                  direction: inbound
                  params: {endpoints: {newznab: "https://api.nzbgeek.info"}}
            """);

        var error = set.SingleError(DiagnosticIds.ConflictingFields);
        Assert.Equal("spec.resources.indexers.direction", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(13, error.Location?.Line);
        Assert.Contains("outbound", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ExternalEndpointThatIsNotHttp_IsInvalid()
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
                indexers:
                  type: external-service
                  params:
                    endpoints:
                      newznab: "ftp://api.nzbgeek.info"
            """);

        var error = set.SingleError(DiagnosticIds.InvalidValue);
        Assert.Equal("spec.resources.indexers.params.endpoints.newznab", error.Field);
        Assert.Equal("LatticeService media/sonarr", error.Resource);
        Assert.Equal(15, error.Location?.Line);
        Assert.Contains("https://host", error.Fix, StringComparison.Ordinal);
    }
}
