using k8s;
using k8s.Models;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Kubernetes.Ingress;
using Lattice.Mesh.Kubernetes.Rendering;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes.Tests.Rendering;

/// <summary>The ingress gateway's objects as deploy/ installs them, and the controller's part: the media stack's two ingress Secrets mounted.</summary>
public sealed class GatewayRenderingTests
{
    private static readonly GatewayRenderContext Context = new()
    {
        Gateway = new ServiceId("lattice-system", "lattice-gateway"),
        ProxyImage = "example/lattice-proxy:test",
        ControllerAddress = "https://lattice-controller.lattice-system.svc:15012",
    };

    private static readonly string[] Secrets = ["ingress-media-sonarr-tls", "ingress-media-jellyfin-tls"];

    private static V1PodSpec Mounts(IEnumerable<string> secrets) => GatewayRenderer.IngressMounts(Context.Gateway, secrets).Spec.Template.Spec;

    private static V1PodSpec Pod(RenderedGateway gateway) => gateway.Deployment.Spec.Template.Spec;

    [Fact]
    public void TheGateway_RunsLatticeProxyGateway_WithExactlyTheseArguments()
    {
        var container = Assert.Single(Pod(GatewayRenderer.Render(Context)).Containers);

        Assert.Equal("gateway", container.Name);
        Assert.Equal("example/lattice-proxy:test", container.Image);
        Assert.Null(container.Command);
        Assert.Equal(
            "gateway --RouteTable=/var/run/lattice/routes.json --Secrets=/etc/lattice/ingress --Certificate=/var/run/lattice/tls.crt --Key=/var/run/lattice/tls.key --TrustBundle=/var/run/lattice/ca/ca.crt --Controller=https://lattice-controller.lattice-system.svc:15012 --BootstrapToken=/var/run/secrets/lattice/token --HttpPort=8080 --HttpsPort=8443 --PublicHttpsPort=443",
            string.Join(' ', container.Args));
        var podName = Assert.Single(container.Env);
        Assert.Equal(("POD_NAME", "metadata.name"), (podName.Name, podName.ValueFrom.FieldRef.FieldPath));
    }

    [Fact]
    public void TheGateway_ProvesItsIdentity_AsTheSidecarDoes()
    {
        var pod = Pod(GatewayRenderer.Render(Context));
        var container = pod.Containers[0];

        // The same projected token as the injected sidecar's: the controller's TokenReview accepts one and the other alike.
        var token = Assert.Single(Assert.Single(pod.Volumes, v => v.Projected is not null).Projected.Sources).ServiceAccountToken;
        Assert.Equal((SidecarLayout.TokenAudience, SidecarLayout.TokenFile, SidecarLayout.TokenExpirationSeconds), (token.Audience, token.Path, token.ExpirationSeconds));
        Assert.Equal(SidecarLayout.TokenPath, Mount(pod, v => v.Projected is not null).MountPath);
        Assert.Equal(SidecarLayout.TrustPath, Mount(pod, v => v.ConfigMap?.Name == SidecarLayout.TrustConfigMap).MountPath);
        Assert.Equal(SidecarLayout.FilesPath, Mount(pod, v => v.EmptyDir is not null).MountPath);
        Assert.Equal("lattice-gateway", pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Contains($"--BootstrapToken={SidecarLayout.TokenPath}/{SidecarLayout.TokenFile}", container.Args);
        Assert.Contains($"--TrustBundle={SidecarLayout.TrustPath}/{SidecarLayout.TrustKey}", container.Args);
    }

    [Fact]
    public void EveryIngressSecret_IsOneOptionalSecretVolume_InAFolderOfItsOwn()
    {
        var pod = Mounts(Secrets);

        var secrets = pod.Volumes.Where(v => v.Secret is not null).ToList();
        Assert.Equal(["ingress-media-jellyfin-tls", "ingress-media-sonarr-tls"], secrets.Select(v => v.Secret.SecretName));
        Assert.All(secrets, v => Assert.True(v.Secret.Optional));
        Assert.Equal(
            ["/etc/lattice/ingress/ingress-media-jellyfin-tls", "/etc/lattice/ingress/ingress-media-sonarr-tls"],
            secrets.Select(v => Assert.Single(pod.Containers[0].VolumeMounts, m => m.Name == v.Name)).Select(m => m.MountPath));
        Assert.All(pod.Containers[0].VolumeMounts.Where(m => m.MountPath.StartsWith("/etc/lattice/ingress/", StringComparison.Ordinal)), m => Assert.True(m.ReadOnlyProperty));
    }

    [Fact]
    public void ASecretNameThatIsNoDnsLabel_StillGetsAValidDistinctVolume()
    {
        var dotted = "ingress-media-tls.home.local";
        var longName = "ingress-" + new string('a', 80);
        var pod = Mounts([dotted, longName, "ingress-media-tls-home-local"]);

        var volumes = pod.Volumes.Where(v => v.Secret is not null).Select(v => v.Name).ToList();
        Assert.Equal(3, volumes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(volumes, name => Assert.True(Names.IsDnsLabel(name), $"{name} is not a DNS label"));
        Assert.Contains(pod.Containers[0].VolumeMounts, m => m.MountPath == $"/etc/lattice/ingress/{dotted}");
    }

    [Fact]
    public void TheControllersPart_IsTheSecretMountsAlone_SoItNeverOverwritesWhatDeployInstalled()
    {
        var mounts = GatewayRenderer.IngressMounts(Context.Gateway, Secrets);
        var installed = Pod(GatewayRenderer.Render(Context));

        Assert.Equal(("lattice-system", "lattice-gateway"), (mounts.Metadata.NamespaceProperty, mounts.Metadata.Name));
        Assert.Null(mounts.Metadata.Labels);
        Assert.Null(mounts.Spec.Replicas);
        Assert.Null(mounts.Spec.Selector);
        Assert.Null(mounts.Spec.Template.Metadata);
        var container = Assert.Single(mounts.Spec.Template.Spec.Containers);
        Assert.Equal((installed.Containers[0].Name, null, null, null), (container.Name, container.Image, container.Args, container.SecurityContext));
        Assert.Equal(["containers", "volumes"], Properties(mounts.Spec.Template.Spec));

        // No volume of the controller's can take the name, or the folder, of one deploy/ installed.
        Assert.Empty(mounts.Spec.Template.Spec.Volumes.Select(v => v.Name).Intersect(installed.Volumes.Select(v => v.Name)));
        Assert.All(container.VolumeMounts, m => Assert.DoesNotContain(installed.Containers[0].VolumeMounts, i => m.MountPath.StartsWith(i.MountPath, StringComparison.Ordinal)));

        // With no Secret left, the apply owns no volume, so server-side apply removes every one it mounted before.
        Assert.Empty(Mounts([]).Volumes);
        Assert.Empty(Mounts([]).Containers[0].VolumeMounts);
    }

    [Fact]
    public void TheGatewayPod_OptsOutOfInjection_AndRunsLockedDown()
    {
        var deployment = GatewayRenderer.Render(Context).Deployment;
        var container = deployment.Spec.Template.Spec.Containers[0];

        Assert.Equal("false", deployment.Spec.Template.Metadata.Labels["lattice.dev/inject"]);
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        var security = container.SecurityContext;
        Assert.Equal((true, 1337L, true, false), (security.RunAsNonRoot, security.RunAsUser, security.ReadOnlyRootFilesystem, security.AllowPrivilegeEscalation));
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
        Assert.Equal(["cpu", "memory"], container.Resources.Requests.Keys.Order());
        Assert.Equal(["cpu", "memory"], container.Resources.Limits.Keys.Order());
        Assert.Equal(("/healthz/ready", "15021"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
    }

    [Fact]
    public void TheService_IsALoadBalancer_From80And443ToTheGatewaysPorts()
    {
        var gateway = GatewayRenderer.Render(Context);

        Assert.Equal("LoadBalancer", gateway.Service.Spec.Type);
        Assert.Equal([("http", 80, "8080"), ("https", 443, "8443")], gateway.Service.Spec.Ports.Select(p => (p.Name, p.Port, p.TargetPort.Value)));
        Assert.Equal(gateway.Deployment.Spec.Selector.MatchLabels, gateway.Service.Spec.Selector);

        // The services' NetworkPolicies admit the gateway's pods by this label.
        Assert.Equal("lattice-gateway", gateway.Deployment.Spec.Template.Metadata.Labels["app.kubernetes.io/name"]);
        Assert.All(gateway.All(), o => Assert.Equal(("lattice-system", "lattice-gateway", "gateway", "lattice-mesh"), (o.Metadata.NamespaceProperty, o.Metadata.Name, o.Metadata.Labels["app.kubernetes.io/component"], o.Metadata.Labels["app.kubernetes.io/managed-by"])));
        Assert.Equal("spiffe://lattice.local/ns/lattice-system/sa/lattice-gateway", gateway.ServiceAccount.Metadata.Annotations["lattice.dev/spiffe-id"]);
        Assert.False(gateway.ServiceAccount.AutomountServiceAccountToken);
    }

    [Fact]
    public void Rendering_IsDeterministic_WhateverTheOrderOfTheSecrets()
    {
        var one = KubernetesJson.Serialize(GatewayRenderer.IngressMounts(Context.Gateway, Secrets));
        var other = KubernetesJson.Serialize(GatewayRenderer.IngressMounts(Context.Gateway, [.. Secrets.Reverse(), Secrets[0]]));

        Assert.Equal(one, other);
        Assert.Equal(KubernetesJson.Serialize(GatewayRenderer.Render(Context).Deployment), KubernetesJson.Serialize(GatewayRenderer.Render(Context with { }).Deployment));
    }

    [Fact]
    public void TheMediaStack_AsksForOneSecretPerService_NamedForItsNamespaceAndSecretName()
    {
        var table = MeshCompiler.Compile(MediaServer.Load()).GatewayTable!;

        var plan = IngressSecret.Plan(table);

        Assert.Equal(["ingress-media-jellyfin-tls", "ingress-media-sonarr-tls"], plan.Select(s => s.Name));
        Assert.Equal(["jellyfin.home.local"], plan[0].Hosts);
        Assert.Equal([MediaServer.Id("jellyfin")], plan[0].Services);
        Assert.Equal((IngressTlsMode.Auto, null, "ClusterIssuer"), (plan[0].Tls.Mode, plan[0].Tls.IssuerName, plan[0].IssuerKind));
    }

    [Fact]
    public void TwoServicesNamingOneSecret_ShareIt_WithBothTheirHosts()
    {
        var table = MeshCompiler.Compile(MediaServer.Load()).GatewayTable! with
        {
            Gateway = [Host("b.home.local", "media/b", "shared"), Host("a.home.local", "media/a", "shared"), Host("c.home.local", "books/c", "shared")],
        };

        var plan = IngressSecret.Plan(table);

        Assert.Equal(["ingress-books-shared", "ingress-media-shared"], plan.Select(s => s.Name));
        Assert.Equal(["a.home.local", "b.home.local"], plan[1].Hosts);
        Assert.Equal([new ServiceId("media", "a"), new ServiceId("media", "b")], plan[1].Services);
    }

    private static GatewayHost Host(string host, string service, string secret) => new()
    {
        Host = host,
        Service = service,
        Address = "127.0.0.1:15006",
        SpiffeId = "spiffe://lattice.local/ns/media/sa/x",
        Port = 80,
        Tls = new IngressTls { Mode = IngressTlsMode.Manual, SecretName = secret },
    };

    /// <summary>The JSON properties <paramref name="pod"/> would be applied with, sorted.</summary>
    private static string[] Properties(V1PodSpec pod) =>
        [.. System.Text.Json.JsonDocument.Parse(KubernetesJson.Serialize(pod)).RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static V1VolumeMount Mount(V1PodSpec pod, Func<V1Volume, bool> volume) =>
        Assert.Single(pod.Containers[0].VolumeMounts, m => m.Name == Assert.Single(pod.Volumes, v => volume(v)).Name);
}
