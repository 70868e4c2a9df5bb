using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Rendering;
using static Lattice.Mesh.Kubernetes.Tests.Rendering.MediaServer;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

public sealed class WorkloadRenderingTests
{
    [Theory]
    [InlineData("jellyfin")]
    [InlineData("nzbget")]
    [InlineData("sonarr")]
    public void EveryObject_IsNamedLabelledAndInTheServicesNamespace(string name)
    {
        var objects = Render(name).All().ToList();

        Assert.All(objects, o =>
        {
            Assert.Equal("media", o.Metadata.NamespaceProperty);
            Assert.Equal(name, o.Metadata.Labels["app.kubernetes.io/name"]);
            Assert.Equal(name, o.Metadata.Labels["lattice.dev/service"]);
            Assert.Equal("lattice-mesh", o.Metadata.Labels["app.kubernetes.io/managed-by"]);
            if (o is V1PersistentVolumeClaim)
            {
                Assert.StartsWith($"{name}-", o.Metadata.Name, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(name, o.Metadata.Name);
            }
        });
    }

    [Fact]
    public void All_ListsEveryObject_PolicyFirstDeploymentLast()
    {
        var sonarr = Render("sonarr");

        Assert.Equal(
            [("NetworkPolicy", "sonarr"), ("ServiceAccount", "sonarr"), ("PersistentVolumeClaim", "sonarr-config"), ("Service", "sonarr"), ("Deployment", "sonarr")],
            sonarr.All().Select(o => (o.Kind, o.Metadata.Name)));
    }

    [Fact]
    public void AllButTheClaims_AreOwnedByTheLatticeService_SoDeletingItCollectsThem()
    {
        var objects = Render("nzbget").All().ToList();

        var owned = objects.Where(o => o is not V1PersistentVolumeClaim).ToList();
        Assert.Equal(4, owned.Count);
        Assert.All(owned, o =>
        {
            var owner = Assert.Single(o.Metadata.OwnerReferences);
            Assert.Equal(("lattice.dev/v1alpha1", "LatticeService", "nzbget", UidOf("nzbget")), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
            Assert.Equal((true, true), (owner.Controller, owner.BlockOwnerDeletion));
        });
        Assert.All(objects.OfType<V1PersistentVolumeClaim>(), c => Assert.Null(c.Metadata.OwnerReferences));
    }

    [Fact]
    public void ServiceAccount_IsTheServicesMeshIdentity_WithoutAnApiToken()
    {
        var account = Render("sonarr").ServiceAccount;

        Assert.Equal(("v1", "ServiceAccount", "sonarr"), (account.ApiVersion, account.Kind, account.Metadata.Name));
        Assert.False(account.AutomountServiceAccountToken);
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", account.Metadata.Annotations[WorkloadRenderer.SpiffeIdAnnotation]);
    }

    [Fact]
    public void ServiceAccount_SpiffeId_UsesTheConfiguredTrustDomain()
    {
        var context = new RenderContext { OwnerUid = UidOf("sonarr"), Callers = [], TrustDomain = "home.example" };

        var account = WorkloadRenderer.Render(Get(Load(), "sonarr"), context).ServiceAccount;

        Assert.Equal("spiffe://home.example/ns/media/sa/sonarr", account.Metadata.Annotations[WorkloadRenderer.SpiffeIdAnnotation]);
    }

    [Fact]
    public void Deployment_SelectsTheServicesPods_WhichAskForTheSidecar()
    {
        var deployment = Render("sonarr").Deployment;

        Assert.Equal(("apps/v1", "Deployment", "sonarr"), (deployment.ApiVersion, deployment.Kind, deployment.Metadata.Name));
        Assert.Equal(new Dictionary<string, string> { ["lattice.dev/service"] = "sonarr" }, deployment.Spec.Selector.MatchLabels);
        Assert.Null(deployment.Spec.Selector.MatchExpressions);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["app.kubernetes.io/managed-by"] = "lattice-mesh",
                ["app.kubernetes.io/name"] = "sonarr",
                ["lattice.dev/inject"] = "true",
                ["lattice.dev/service"] = "sonarr",
            },
            deployment.Spec.Template.Metadata.Labels);
    }

    [Fact]
    public void Pods_RunAsTheServicesAccount_WithoutAnApiToken()
    {
        var pod = Render("sonarr").Deployment.Spec.Template.Spec;

        Assert.Equal("sonarr", pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
    }

    [Fact]
    public void Replicas_AreTheMinimum()
    {
        Assert.Equal(1, Render("sonarr").Deployment.Spec.Replicas);

        var services = With(Load(), "sonarr", s => s with { Spec = s.Spec with { Replicas = new ReplicaSpec(2, 5) } });

        Assert.Equal(2, Render("sonarr", services).Deployment.Spec.Replicas);
    }

    [Fact]
    public void Container_HasTheImageAndVariables_SortedByName()
    {
        var main = Assert.Single(Render("nzbget").Deployment.Spec.Template.Spec.Containers);

        Assert.Equal(("main", "linuxserver/nzbget:latest"), (main.Name, main.Image));
        Assert.Equal([("PGID", "1000"), ("PUID", "1000"), ("TZ", "America/New_York")], main.Env.Select(e => (e.Name, e.Value)));
        Assert.Null(main.Command);
        Assert.Null(main.Args);
    }

    [Fact]
    public void Container_CommandAndArgs_KeepTheirOrder()
    {
        var services = With(Load(), "nzbget", s => s with
        {
            Spec = s.Spec with { Containers = s.Spec.Containers.ToDictionary(c => c.Key, c => c.Value with { Command = ["/app/nzbget", "-s"], Args = ["-o", "OutputMode=log"] }) },
        });

        var main = Assert.Single(Render("nzbget", services).Deployment.Spec.Template.Spec.Containers);

        Assert.Equal(["/app/nzbget", "-s"], main.Command);
        Assert.Equal(["-o", "OutputMode=log"], main.Args);
    }

    [Fact]
    public void Container_ResourcesAreQuantities()
    {
        var resources = Assert.Single(Render("jellyfin").Deployment.Spec.Template.Spec.Containers).Resources;

        Assert.Equal([("cpu", "500m"), ("memory", "1Gi")], resources.Requests.Select(q => (q.Key, q.Value.ToString())));
        Assert.Equal([("cpu", "4"), ("memory", "4Gi")], resources.Limits.Select(q => (q.Key, q.Value.ToString())));
        Assert.Equal(new ResourceQuantity("1000m"), Assert.Single(Render("nzbget").Deployment.Spec.Template.Spec.Containers).Resources.Limits["cpu"]);
    }

    [Fact]
    public void Container_WithoutResources_HasNone()
    {
        var services = With(Load(), "nzbget", s => s with
        {
            Spec = s.Spec with { Containers = s.Spec.Containers.ToDictionary(c => c.Key, c => c.Value with { Resources = null, ReadinessProbe = null }) },
        });

        var main = Assert.Single(Render("nzbget", services).Deployment.Spec.Template.Spec.Containers);

        Assert.Null(main.Resources);
        Assert.Null(main.ReadinessProbe);
        Assert.DoesNotContain("resources", Json(Render("nzbget", services).Deployment), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadinessProbes_AreTheSeeds()
    {
        var sonarr = Assert.Single(Render("sonarr").Deployment.Spec.Template.Spec.Containers).ReadinessProbe;
        Assert.Equal(("/ping", "8989", "HTTP", 30, 10), (sonarr.HttpGet.Path, sonarr.HttpGet.Port.Value, sonarr.HttpGet.Scheme, sonarr.InitialDelaySeconds, sonarr.PeriodSeconds));
        Assert.Null(sonarr.TcpSocket);
        Assert.Null(sonarr.Exec);

        var nzbget = Assert.Single(Render("nzbget").Deployment.Spec.Template.Spec.Containers).ReadinessProbe;
        Assert.Equal(("6789", null, 10), (nzbget.TcpSocket.Port.Value, nzbget.InitialDelaySeconds, nzbget.PeriodSeconds));
        Assert.Null(nzbget.HttpGet);

        var jellyfin = Assert.Single(Render("jellyfin").Deployment.Spec.Template.Spec.Containers);
        Assert.Equal(("/health", "8096", 10, 10), (jellyfin.ReadinessProbe.HttpGet.Path, jellyfin.ReadinessProbe.HttpGet.Port.Value, jellyfin.ReadinessProbe.InitialDelaySeconds, jellyfin.ReadinessProbe.PeriodSeconds));
        Assert.Null(jellyfin.LivenessProbe);
        Assert.Null(jellyfin.StartupProbe);
    }

    [Fact]
    public void LivenessAndStartupProbes_CarryEveryTiming()
    {
        var liveness = new ProbeSpec { Exec = ["/bin/check", "--quick"], PeriodSeconds = 20, TimeoutSeconds = 3, FailureThreshold = 4, SuccessThreshold = 1 };
        var startup = new ProbeSpec { HttpGet = new HttpGetAction("/ready", 8443, "HTTPS"), FailureThreshold = 30, PeriodSeconds = 5 };
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with { Containers = s.Spec.Containers.ToDictionary(c => c.Key, c => c.Value with { LivenessProbe = liveness, StartupProbe = startup }) },
        });

        var main = Assert.Single(Render("sonarr", services).Deployment.Spec.Template.Spec.Containers);

        Assert.Equal(["/bin/check", "--quick"], main.LivenessProbe.Exec.Command);
        Assert.Equal((20, 3, 4, 1, null), (main.LivenessProbe.PeriodSeconds, main.LivenessProbe.TimeoutSeconds, main.LivenessProbe.FailureThreshold, main.LivenessProbe.SuccessThreshold, main.LivenessProbe.InitialDelaySeconds));
        Assert.Equal(("/ready", "8443", "HTTPS", 30, 5), (main.StartupProbe.HttpGet.Path, main.StartupProbe.HttpGet.Port.Value, main.StartupProbe.HttpGet.Scheme, main.StartupProbe.FailureThreshold, main.StartupProbe.PeriodSeconds));
        Assert.Equal("/ping", main.ReadinessProbe.HttpGet.Path);
    }

    [Fact]
    public void OnlyContainer_GetsTheServicePorts_OnTheirTargetPorts()
    {
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with
            {
                Containers = new Dictionary<string, ContainerSpec> { ["sonarr"] = s.Spec.Containers["main"] },
                Ports = new Dictionary<string, PortSpec> { ["http"] = new(80, 8989, "TCP"), ["metrics"] = new(9707, 9707, "TCP") },
            },
        });

        var container = Assert.Single(Render("sonarr", services).Deployment.Spec.Template.Spec.Containers);

        Assert.Equal("sonarr", container.Name);
        Assert.Equal([("http", 8989, "TCP"), ("metrics", 9707, "TCP")], container.Ports.Select(p => (p.Name, p.ContainerPort, p.Protocol)));
    }

    [Fact]
    public void WithSeveralContainers_OnlyMainGetsThePorts_AndContainersAreSortedByName()
    {
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with
            {
                Containers = new Dictionary<string, ContainerSpec>(s.Spec.Containers)
                {
                    ["exporter"] = new() { Image = "example/exportarr:2", Variables = new Dictionary<string, string>(), Volumes = new Dictionary<string, ContainerVolumeSpec>() },
                },
            },
        });

        var containers = Render("sonarr", services).Deployment.Spec.Template.Spec.Containers;

        Assert.Equal(["exporter", "main"], containers.Select(c => c.Name));
        Assert.Null(containers[0].Ports);
        Assert.Equal([("http", 8989)], containers[1].Ports.Select(p => (p.Name, p.ContainerPort)));
    }

    [Fact]
    public void Service_ExposesTheServicePortsAndTheSidecarPort_ToTheServicesPods()
    {
        var service = Render("jellyfin").Service!;

        Assert.Equal(("v1", "Service", "jellyfin", "ClusterIP"), (service.ApiVersion, service.Kind, service.Metadata.Name, service.Spec.Type));
        Assert.Equal(new Dictionary<string, string> { ["lattice.dev/service"] = "jellyfin" }, service.Spec.Selector);
        Assert.Equal(
            [("http", 8096, "8096", "TCP"), (WorkloadRenderer.SidecarPortName, 15006, "15006", "TCP")],
            service.Spec.Ports.Select(p => (p.Name, p.Port, p.TargetPort.Value, p.Protocol)));
    }

    [Fact]
    public void Service_TargetPort_IsTheDeclaredTarget()
    {
        var services = With(Load(), "nzbget", s => s with { Spec = s.Spec with { Ports = new Dictionary<string, PortSpec> { ["web"] = new(80, 6789, "TCP") } } });

        var port = Assert.Single(Render("nzbget", services).Service!.Spec.Ports, p => p.Name == "web");

        Assert.Equal((80, "6789"), (port.Port, port.TargetPort.Value));
    }

    [Fact]
    public void NoPorts_NoService()
    {
        // Jellyfin without ports: nothing can call it, and it can serve no ingress either.
        var services = With(Load(), "jellyfin", s => s with { Spec = s.Spec with { Ports = new Dictionary<string, PortSpec>(), Ingress = null } });

        var jellyfin = Render("jellyfin", services);

        Assert.Null(jellyfin.Service);
        Assert.DoesNotContain(jellyfin.All(), o => o is V1Service);
        Assert.Null(Assert.Single(jellyfin.Deployment.Spec.Template.Spec.Containers).Ports);
    }

    [Theory]
    [InlineData("jellyfin")]
    [InlineData("nzbget")]
    [InlineData("sonarr")]
    public void APodMountingASingleNodeClaim_IsReplaced_NotRolled(string name)
    {
        // Each seed service mounts its own ReadWriteOnce /config claim: a rolling update's new pod on another node would wait forever.
        Assert.Equal("Recreate", Render(name).Deployment.Spec.Strategy?.Type);
    }

    [Fact]
    public void APodWithOnlySharedClaims_RollsAsUsual()
    {
        var services = With(Load(), "sonarr", s => s with
        {
            Spec = s.Spec with
            {
                Containers = s.Spec.Containers.ToDictionary(c => c.Key, c => c.Value with { Volumes = c.Value.Volumes.Where(v => v.Value.Resource != "config").ToDictionary() }),
                Resources = s.Spec.Resources.Where(r => r.Key != "config").ToDictionary(),
            },
        });

        Assert.Null(Render("sonarr", services).Deployment.Spec.Strategy);
    }
}
