using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Tests.Manifests;

public sealed class DefaultsTests
{
    private const string Minimal = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata:
          name: sonarr
        spec:
          containers:
            main:
              image: linuxserver/sonarr:latest
        """;

    [Fact]
    public void Direction_DefaultsToOutbound()
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
                  outbound:
                    timeout: {request: 30s}
            """));

        var dependency = Assert.IsType<ServiceDependency>(service.Spec.Resources["nzbget"]);
        Assert.Equal(Direction.Outbound, dependency.Direction);
        Assert.Null(dependency.Namespace);
    }

    [Fact]
    public void Namespace_DefaultsToDefault()
    {
        var service = Assert.Single(Yaml.Services(Minimal));

        Assert.Equal(new ServiceId("default", "sonarr"), service.Id);
    }

    [Fact]
    public void NamespaceOverride_WinsOverMetadataNamespace_AlsoInDiagnostics()
    {
        var good = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: staging
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """, namespaceOverride: "media");
        var bad = Yaml.Read("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: staging
            spec:
              containers:
                main: {}
            """, namespaceOverride: "media");

        Assert.Equal(new ServiceId("media", "sonarr"), Assert.Single(good.Services).Id);
        Assert.Equal("LatticeService media/sonarr", bad.SingleError(DiagnosticIds.MissingField).Resource);
    }

    [Fact]
    public void NamespaceOverride_AppliesWhenMetadataHasNone()
    {
        var set = Yaml.Read(Minimal, namespaceOverride: "media");

        Assert.Equal(new ServiceId("media", "sonarr"), Assert.Single(set.Services).Id);
    }

    [Fact]
    public void Replicas_DefaultToMinOne_WithNoMax()
    {
        var service = Assert.Single(Yaml.Services(Minimal));

        Assert.Equal(new ReplicaSpec(1, null), service.Spec.Replicas);
    }

    [Fact]
    public void ReplicasWithOnlyMax_DefaultToMinOne()
    {
        var service = Assert.Single(Yaml.Services("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
            spec:
              replicas: {max: 3}
              containers:
                main:
                  image: linuxserver/sonarr:latest
            """));

        Assert.Equal(new ReplicaSpec(1, 3), service.Spec.Replicas);
    }

    [Fact]
    public void RetryOn_DefaultsToFailuresThatNeverReachedTheApp()
    {
        var service = Assert.Single(Yaml.Services("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
              resources:
                nzbget:
                  type: service
                  outbound:
                    retries: {attempts: 2}
            """));

        var dependency = Assert.IsType<ServiceDependency>(service.Spec.Resources["nzbget"]);
        Assert.NotNull(dependency.Retries);
        Assert.Equal([RetryCondition.GatewayError, RetryCondition.ConnectFailure], dependency.Retries.RetryOn);
        Assert.Null(dependency.Retries.PerTryTimeout);
    }

    [Fact]
    public void PortsAndVolumes_DefaultTheirOptionalFields()
    {
        var service = Assert.Single(Yaml.Services("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
            spec:
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  volumes:
                    /config: {source: "${resources.config}"}
              service:
                ports:
                  http: {port: 8989}
              resources:
                config:
                  type: volume
                  params: {size: 5Gi}
            """));

        Assert.Equal(new PortSpec(8989, 8989, "TCP"), service.Spec.Ports["http"]);
        Assert.Equal(new ContainerVolumeSpec("config", null, false), service.Spec.Containers["main"].Volumes["/config"]);
        Assert.Equal("ReadWriteOnce", Assert.IsType<OwnedVolume>(service.Spec.Resources["config"]).AccessMode);
    }

    [Fact]
    public void JsonApiObject_ReadsTheSameAsYaml()
    {
        var fromYaml = Assert.Single(Yaml.Services("""
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata:
              name: sonarr
              namespace: media
              generation: 4
            spec:
              replicas: {min: 1, max: 3}
              containers:
                main:
                  image: linuxserver/sonarr:latest
                  variables: {PUID: "1000"}
                  volumes:
                    /downloads: {source: "${resources.downloads}", readOnly: true}
                  resources:
                    limits: {cpu: "1", memory: 1Gi}
              service:
                ports:
                  http: {port: 8989, protocol: TCP}
              resources:
                downloads:
                  type: volume
                  params: {ref: nzbget.downloads}
                nzbget:
                  type: service
                  outbound:
                    retries: {attempts: 3, perTryTimeout: 10s, retryOn: [5xx, connect-failure]}
                    timeout: {request: 30s}
            """));
        var fromJson = Assert.Single(Yaml.Services("""
            {
              "apiVersion": "lattice.dev/v1alpha1",
              "kind": "LatticeService",
              "metadata": {
                "name": "sonarr",
                "namespace": "media",
                "generation": 4,
                "uid": "8c9b3f8e-1f0e-4a53-9c5e-0d1c2b3a4f5e",
                "resourceVersion": "123456",
                "creationTimestamp": "2025-01-01T00:00:00Z",
                "managedFields": [{"manager": "kubectl", "operation": "Apply"}]
              },
              "spec": {
                "replicas": {"min": 1, "max": 3},
                "containers": {
                  "main": {
                    "image": "linuxserver/sonarr:latest",
                    "variables": {"PUID": "1000"},
                    "volumes": {"/downloads": {"source": "${resources.downloads}", "readOnly": true}},
                    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}
                  }
                },
                "service": {"ports": {"http": {"port": 8989, "protocol": "TCP"}}},
                "resources": {
                  "downloads": {"type": "volume", "params": {"ref": "nzbget.downloads"}},
                  "nzbget": {
                    "type": "service",
                    "outbound": {
                      "retries": {"attempts": 3, "perTryTimeout": "10s", "retryOn": ["5xx", "connect-failure"]},
                      "timeout": {"request": "30s"}
                    }
                  }
                }
              },
              "status": {"observedGeneration": 4}
            }
            """));

        Assert.Equal(fromYaml.Id, fromJson.Id);
        Assert.Equal(4, fromJson.Generation);
        Assert.Equal(fromYaml.Generation, fromJson.Generation);
        Assert.Equal(fromYaml.Spec.Replicas, fromJson.Spec.Replicas);
        Assert.Equal(fromYaml.Spec.Ports, fromJson.Spec.Ports);
        Assert.Equal(fromYaml.Spec.Resources, fromJson.Spec.Resources);
        var yamlContainer = fromYaml.Spec.Containers["main"];
        var jsonContainer = fromJson.Spec.Containers["main"];
        Assert.Equal(yamlContainer.Image, jsonContainer.Image);
        Assert.Equal(yamlContainer.Variables, jsonContainer.Variables);
        Assert.Equal(yamlContainer.Volumes, jsonContainer.Volumes);
        Assert.Equal(yamlContainer.Resources?.Limits, jsonContainer.Resources?.Limits);
    }
}
