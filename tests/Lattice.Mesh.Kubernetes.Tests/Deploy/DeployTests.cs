using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Kubernetes.Reconciling;
using Lattice.Mesh.Kubernetes.Rendering;
using Lattice.Mesh.Kubernetes.Tests.Reconciling;
using Lattice.Mesh.Kubernetes.Tests.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Lattice.Mesh.Kubernetes.Tests.Deploy;

/// <summary>
/// deploy/ as the README installs it: rendered by kubectl's own kustomize, applied to the real API server with the
/// example beside it, the controller run as the ServiceAccount deploy/ gives it, and uninstalled again.
/// </summary>
/// <remarks>
/// The test API server is Kubernetes 1.20, which serves PodDisruptionBudget only as policy/v1beta1; deploy/ ships
/// policy/v1 (1.21 and later; 1.25 removed v1beta1), whose spec is the same. Only what is applied here has that
/// apiVersion changed; every assertion on the rendering reads deploy/ as shipped.
/// </remarks>
[Collection(nameof(ClusterScopedCrdGroup))]
public sealed partial class DeployTests(KubernetesCluster cluster) : IDisposable
{
    private const string SystemNamespace = "lattice-system";
    private const string ControllerAccount = "system:serviceaccount:lattice-system:lattice-controller";
    private const string InjectorAccount = "system:serviceaccount:lattice-system:lattice-injector";
    private const string ControllerAddress = "https://lattice-controller.lattice-system.svc:15012";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-deploy-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task KubectlKustomize_RendersDeploy_EveryComponentInLatticeSystem()
    {
        var objects = await RenderAsync(Repository.Deploy);

        Assert.Equal(
            [
                "ClusterRole/lattice-controller", "ClusterRole/lattice-injector", "ClusterRoleBinding/lattice-controller", "ClusterRoleBinding/lattice-injector",
                "ConfigMap/lattice-mesh-images", "CustomResourceDefinition/latticeservices.lattice.dev",
                "Deployment/lattice-controller", "Deployment/lattice-gateway", "Deployment/lattice-injector",
                "MutatingWebhookConfiguration/lattice-sidecar-injector", "Namespace/lattice-system", "PodDisruptionBudget/lattice-controller",
                "Role/lattice-controller", "Role/lattice-injector", "RoleBinding/lattice-controller", "RoleBinding/lattice-injector",
                "Service/lattice-controller", "Service/lattice-gateway", "Service/lattice-injector",
                "ServiceAccount/lattice-controller", "ServiceAccount/lattice-gateway", "ServiceAccount/lattice-injector",
            ],
            objects.Select(o => $"{o.Kind}/{(o is V1ConfigMap ? o.Metadata.Name[..o.Metadata.Name.LastIndexOf('-')] : o.Metadata.Name)}").Order(StringComparer.Ordinal));
        Assert.All(
            objects.Where(o => o is not (V1Namespace or V1CustomResourceDefinition or V1MutatingWebhookConfiguration or V1ClusterRole or V1ClusterRoleBinding)),
            o => Assert.Equal(SystemNamespace, o.Metadata.NamespaceProperty));
        Assert.All(
            objects.OfType<V1ClusterRoleBinding>().SelectMany(b => b.Subjects).Concat(objects.OfType<V1RoleBinding>().SelectMany(b => b.Subjects)),
            s => Assert.Contains(objects.OfType<V1ServiceAccount>(), a => (s.Kind, s.Name, s.NamespaceProperty) == ("ServiceAccount", a.Metadata.Name, SystemNamespace)));

        // Two controller replicas with leader election, of which a drain takes one at a time.
        var controller = Single<V1Deployment>(objects, "lattice-controller");
        Assert.Equal(2, controller.Spec.Replicas);
        var budget = Single<V1PodDisruptionBudget>(objects, "lattice-controller");
        Assert.Equal("policy/v1", budget.ApiVersion);
        Assert.Equal("1", budget.Spec.MinAvailable.Value);
        Assert.Equal(controller.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
        Assert.Contains(controller.Spec.Template.Spec.Containers[0].Env, e => e.Name == "POD_NAME" && e.ValueFrom.FieldRef.FieldPath == "metadata.name");

        // Every address one component gives for another reaches it: the webhook's Service and port, the controller's.
        var webhook = Single<V1MutatingWebhookConfiguration>(objects, "lattice-sidecar-injector");
        var injectorService = Single<V1Service>(objects, "lattice-injector");
        var injector = Single<V1Deployment>(objects, "lattice-injector").Spec.Template.Spec.Containers[0];
        Assert.All(webhook.Webhooks, w => Assert.Equal(("lattice-injector", SystemNamespace, 443, "/mutate"), (w.ClientConfig.Service.Name, w.ClientConfig.Service.NamespaceProperty, w.ClientConfig.Service.Port, w.ClientConfig.Service.Path)));
        Assert.Equal(443, Assert.Single(injectorService.Spec.Ports).Port);
        Assert.Equal(9443, Assert.Single(injector.Ports, p => p.Name == injectorService.Spec.Ports[0].TargetPort.Value).ContainerPort);
        Assert.Contains("--listen=0.0.0.0:9443", injector.Args);
        Assert.Contains("--webhook-config=lattice-sidecar-injector", injector.Args);
        Assert.Contains($"--controller={ControllerAddress}", injector.Args);
        var controllerService = Single<V1Service>(objects, "lattice-controller");
        var push = Assert.Single(controllerService.Spec.Ports, p => p.Port == 15012).TargetPort.Value;
        Assert.Equal(15012, Assert.Single(controller.Spec.Template.Spec.Containers[0].Ports, p => p.Name == push || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == push).ContainerPort);
        Assert.Contains("--listen=0.0.0.0:15012", controller.Spec.Template.Spec.Containers[0].Args);
        Assert.Equal(controller.Spec.Selector.MatchLabels, controllerService.Spec.Selector);
    }

    [Fact]
    public async Task KubectlKustomize_RendersTheExample_ItsNamespaceMeshedAndItsThreeServices()
    {
        var yaml = await KustomizeAsync(Repository.MediaServer);
        var objects = KubernetesYaml.LoadAllFromString(yaml, new Dictionary<string, Type> { ["lattice.dev/v1alpha1/LatticeService"] = typeof(LatticeServiceObject) })
            .Cast<IKubernetesObject<V1ObjectMeta>>().ToList();

        Assert.Equal(["LatticeService/media/jellyfin", "LatticeService/media/nzbget", "LatticeService/media/sonarr", "Namespace//media"], objects.Select(o => $"{o.Kind}/{o.Metadata.NamespaceProperty}/{o.Metadata.Name}").Order(StringComparer.Ordinal));
        Assert.Equal("enabled", Assert.Single(objects.OfType<V1Namespace>()).Metadata.Labels["lattice.dev/mesh"]);
    }

    [Fact]
    public async Task EveryContainer_HasRequestsAndLimits_RunsAsNonRootOnAReadOnlyRoot_AndOnlyTheCaptureInitContainerIsPrivileged()
    {
        var objects = await RenderAsync(Repository.Deploy);
        var pods = objects.OfType<V1Deployment>().Select(d => (d.Metadata.Name, Pod: d.Spec.Template.Spec)).ToList();
        Assert.Equal(3, pods.Count);

        foreach (var (name, pod) in pods)
        {
            Assert.True(pod.HostNetwork is null or false, $"{name}: hostNetwork");
            Assert.True(pod.HostPID is null or false, $"{name}: hostPID");
            Assert.DoesNotContain(pod.Volumes ?? [], v => v.HostPath is not null);
            foreach (var container in (pod.InitContainers ?? []).Concat(pod.Containers))
            {
                LockedDown(pod, container, $"{name}/{container.Name}");
            }
        }

        // What the injector adds to a meshed pod, with the proxy image deploy/ gives it: the sidecar is as locked down
        // as the rest; the traffic-capture init container alone is root with NET_ADMIN and NET_RAW, to install iptables rules.
        var proxyImage = Single<V1ConfigMap>(objects, "lattice-mesh-images", prefix: true).Data["proxy"];
        var app = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "jellyfin", NamespaceProperty = "media" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "jellyfin/jellyfin", Ports = [new V1ContainerPort { ContainerPort = 8096 }] }] },
        };
        var injected = SidecarInjector.Inject(app, new NamespaceInfo("media", new Dictionary<string, string> { ["lattice.dev/mesh"] = "enabled" }), new InjectorSettings { ProxyImage = proxyImage, ControllerAddress = ControllerAddress });
        var added = (injected.Spec.InitContainers ?? []).Concat(injected.Spec.Containers).Where(c => c.Image == proxyImage).ToList();
        var capture = Assert.Single(added, c => c.SecurityContext?.Capabilities?.Add?.Count > 0);
        Assert.Equal(["NET_ADMIN", "NET_RAW"], capture.SecurityContext.Capabilities.Add.Order(StringComparer.Ordinal));
        Assert.Contains(injected.Spec.InitContainers ?? [], c => c.Name == capture.Name);
        Assert.True(capture.SecurityContext.Privileged is null or false, "the capture container needs two capabilities, not privileged mode");
        foreach (var sidecar in added.Where(c => c != capture))
        {
            // The sidecar has no CPU limit by design (throttling a proxy adds latency to every request; lattice.dev/proxy-cpu-limit sets one).
            Assert.True(sidecar.Resources.Requests.ContainsKey("cpu") && sidecar.Resources.Requests.ContainsKey("memory") && sidecar.Resources.Limits.ContainsKey("memory"), $"injected {sidecar.Name}: requests and a memory limit");
            Secured(injected.Spec, sidecar, $"injected {sidecar.Name}");
        }
    }

    [Fact]
    public async Task TheGatewayInDeploy_IsWhatTheControllerRenders_AndRunsTheInjectorsProxyImage()
    {
        var objects = await RenderAsync(Repository.Deploy);
        var deployment = Single<V1Deployment>(objects, "lattice-gateway");
        var image = deployment.Spec.Template.Spec.Containers[0].Image;

        var rendered = GatewayRenderer.Render(new GatewayRenderContext { Gateway = new ServiceId(SystemNamespace, "lattice-gateway"), ProxyImage = image, ControllerAddress = ControllerAddress });

        AssertSameJson(rendered.ServiceAccount, Single<V1ServiceAccount>(objects, "lattice-gateway"));
        AssertSameJson(rendered.Service, Single<V1Service>(objects, "lattice-gateway"));
        AssertSameJson(rendered.Deployment, deployment);
        Assert.Equal(new ReconcilerOptions().GatewayReplicas, deployment.Spec.Replicas); // assumed until the controller has read the installed Deployment
        Assert.Equal(image, Single<V1ConfigMap>(objects, "lattice-mesh-images", prefix: true).Data["proxy"]); // one proxy version in the mesh
    }

    [Theory]
    [InlineData("lattice-controller")]
    [InlineData("lattice-injector")]
    public async Task TheArgumentsDeployGivesLatticeMesh_AreOnesItAccepts(string deployment)
    {
        var objects = await RenderAsync(Repository.Deploy);
        var container = Single<V1Deployment>(objects, deployment).Spec.Template.Spec.Containers[0];
        var proxyImage = Single<V1ConfigMap>(objects, "lattice-mesh-images", prefix: true).Data["proxy"];

        // As the kubelet runs it ($(PROXY_IMAGE) expanded from the ConfigMap), with a kubeconfig that is not there in
        // place of the pod's account: every option is parsed and checked, and it stops only for want of a cluster.
        string[] args = [Path.Combine(AppContext.BaseDirectory, "lattice-mesh.dll"), .. container.Args.Select(a => a.Replace("$(PROXY_IMAGE)", proxyImage, StringComparison.Ordinal)), "--kubeconfig=/nonexistent/kubeconfig"];
        var (code, stdout, stderr) = await CommandRunner.RunAsync("dotnet", args, null, TimeSpan.FromSeconds(60), Ct);

        Assert.True(code == 2 && stderr.Contains("no cluster to talk to", StringComparison.Ordinal), $"exit {code}:{Environment.NewLine}{stderr}{stdout}");
    }

    [Fact]
    public async Task TheImagesDeployRuns_AreTheOnesPublishContainerBuilds()
    {
        var objects = await RenderAsync(Repository.Deploy);
        var images = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name, d => d.Spec.Template.Spec.Containers[0].Image);

        var cli = await PublishedImageAsync(Path.Combine(Repository.Root, "controller", "Lattice.Mesh.Cli", "Lattice.Mesh.Cli.csproj"));
        var proxy = await PublishedImageAsync(Path.Combine(Repository.Root, "proxy", "Lattice.Mesh.Proxy", "Lattice.Mesh.Proxy.csproj"));

        Assert.Equal("ghcr.io/lattice-mesh/lattice-mesh", cli[..cli.LastIndexOf(':')]);
        Assert.Equal("ghcr.io/lattice-mesh/lattice-proxy", proxy[..proxy.LastIndexOf(':')]);
        Assert.Equal(cli, images["lattice-controller"]);
        Assert.Equal(cli, images["lattice-injector"]);
        Assert.Equal(proxy, images["lattice-gateway"]);
    }

    [Fact]
    public async Task AnOverlay_MovesEveryImageToYourRegistry_InOnePlace()
    {
        // An overlay as the README shows. kubectl 1.20's kustomize (2.0.3) wants a base folder under `bases:` (later
        // ones take it under `resources:` too) and its images transformer trips on the CRD's schema, which has a
        // property named `containers` (fixed in kustomize 2.1, kubectl 1.21): so the base here is deploy/ without its CRD.
        var baseFolder = Path.Combine(_folder.FullName, "deploy");
        CopyFolder(Repository.Deploy, baseFolder);
        var kustomization = Path.Combine(baseFolder, "kustomization.yaml");
        await File.WriteAllTextAsync(kustomization, (await File.ReadAllTextAsync(kustomization, Ct)).Replace("  - crd/latticeservice.yaml\n", string.Empty, StringComparison.Ordinal), Ct);
        var overlay = Directory.CreateDirectory(Path.Combine(_folder.FullName, "overlay")).FullName;
        await File.WriteAllTextAsync(Path.Combine(overlay, "kustomization.yaml"), """
            bases: [../deploy]
            images:
              - {name: ghcr.io/lattice-mesh/lattice-mesh, newName: registry.home.local/lattice-mesh, newTag: "0.2.0"}
              - {name: ghcr.io/lattice-mesh/lattice-proxy, newName: registry.home.local/lattice-proxy, newTag: "0.2.0"}
            configMapGenerator:
              - {name: lattice-mesh-images, behavior: merge, literals: [proxy=registry.home.local/lattice-proxy:0.2.0]}
            """, Ct);

        var objects = await RenderAsync(overlay);

        var images = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name, d => d.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(
            [("lattice-controller", "registry.home.local/lattice-mesh:0.2.0"), ("lattice-gateway", "registry.home.local/lattice-proxy:0.2.0"), ("lattice-injector", "registry.home.local/lattice-mesh:0.2.0")],
            images.Select(i => (i.Key, i.Value)).Order());
        var config = Single<V1ConfigMap>(objects, "lattice-mesh-images", prefix: true);
        Assert.Equal("registry.home.local/lattice-proxy:0.2.0", config.Data["proxy"]);
        var reference = Single<V1Deployment>(objects, "lattice-injector").Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "PROXY_IMAGE").ValueFrom.ConfigMapKeyRef;
        Assert.Equal((config.Metadata.Name, "proxy"), (reference.Name, reference.Key));
    }

    [Fact]
    public async Task ApplyK_InstallsTheMeshAndTheExample_TheControllerRunsOnItsOwnRights_AndAnUninstallLeavesNothing()
    {
        var installed = await InstallAsync();
        try
        {
            // Applying the same release again (an upgrade with nothing new) changes nothing.
            var again = await KubectlAsync("apply", "-f", installed);
            Assert.All(Lines(again), line => Assert.EndsWith(" unchanged", line, StringComparison.Ordinal));
            Assert.All(Lines(await KubectlAsync("apply", "-k", Repository.MediaServer)), line => Assert.EndsWith(" unchanged", line, StringComparison.Ordinal));
            Assert.Equal("enabled", (await cluster.Client.CoreV1.ReadNamespaceAsync("media", cancellationToken: Ct)).Metadata.Labels["lattice.dev/mesh"]);

            await RunTheControllerAsItsServiceAccountAsync();
        }
        finally
        {
            await UninstallAsync(installed, keepTheCrdRemoved: true);
        }

        try
        {
            await AssertUninstalledAsync();
        }
        finally
        {
            await cluster.ReinstallCrdAsync(CancellationToken.None);
        }
    }

    private async Task AssertUninstalledAsync()
    {
        Assert.Empty((await cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={SystemNamespace}", cancellationToken: Ct)).Items);
        Assert.Empty((await cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: "metadata.name=media", cancellationToken: Ct)).Items);
        Assert.Empty((await cluster.Client.RbacAuthorizationV1.ListClusterRoleAsync(labelSelector: "app.kubernetes.io/part-of=lattice-mesh", cancellationToken: Ct)).Items);
        Assert.Empty((await cluster.Client.RbacAuthorizationV1.ListClusterRoleBindingAsync(labelSelector: "app.kubernetes.io/part-of=lattice-mesh", cancellationToken: Ct)).Items);
        Assert.Empty((await cluster.Client.AdmissionregistrationV1.ListMutatingWebhookConfigurationAsync(fieldSelector: "metadata.name=lattice-sidecar-injector", cancellationToken: Ct)).Items);
        Assert.Empty((await cluster.Client.ApiextensionsV1.ListCustomResourceDefinitionAsync(fieldSelector: $"metadata.name={KubernetesCluster.LatticeServiceCrdName}", cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task TheControllersServiceAccount_MayDoExactlyWhatTheControllerDoes_AndNoMore()
    {
        var installed = await InstallAsync();
        try
        {
            string[] everywhere =
            [
                "configmaps [] [create patch]",
                "customresourcedefinitions.apiextensions.k8s.io [certificates.cert-manager.io] [get]",
                "deployments.apps [] [create patch]",
                "latticeservices.lattice.dev [] [get list watch]",
                "latticeservices.lattice.dev/finalizers [] [update]",
                "latticeservices.lattice.dev/status [] [patch]",
                "networkpolicies.networking.k8s.io [] [create patch]",
                "persistentvolumeclaims [] [list create patch delete]",
                "pods [] [list]",
                "secrets [] [get]",
                "serviceaccounts [] [create patch]",
                "services [] [create patch]",
                "tokenreviews.authentication.k8s.io [] [create]",
            ];
            var inMedia = await RulesAsync(ControllerAccount, "media");
            Assert.True(everywhere.SequenceEqual(inMedia), $"in media:{Environment.NewLine}{string.Join(Environment.NewLine, inMedia)}");

            // In its own namespace, its Role adds to that (kubectl merges the verbs of one resource into one line).
            string[] inItsNamespace =
            [
                "certificates.cert-manager.io [] [list create patch delete]",
                .. everywhere.Where(rule => !rule.StartsWith("deployments.apps ", StringComparison.Ordinal) && !rule.StartsWith("secrets ", StringComparison.Ordinal)),
                "deployments.apps [] [create patch list]",
                "leases.coordination.k8s.io [] [get create update]",
                "secrets [] [get list create patch delete]",
            ];
            Assert.Equal(inItsNamespace.Order(StringComparer.Ordinal), await RulesAsync(ControllerAccount, SystemNamespace));

            // Spelled out, what a compromised controller still cannot do.
            foreach (var (verb, resource, ns) in new[]
            {
                ("create", "pods", "media"), ("create", "pods --subresource=exec", "media"), ("delete", "deployments.apps", "media"), ("list", "secrets", "media"),
                ("list", "secrets", "kube-system"), ("update", "leases.coordination.k8s.io", "media"), ("patch", "latticeservices.lattice.dev", "media"),
                ("delete", "latticeservices.lattice.dev", "media"), ("create", "clusterrolebindings.rbac.authorization.k8s.io", ""), ("escalate", "clusterroles.rbac.authorization.k8s.io", ""),
                ("patch", "mutatingwebhookconfigurations.admissionregistration.k8s.io", ""), ("delete", "namespaces", ""), ("impersonate", "serviceaccounts", "media"),
                ("create", "serviceaccounts --subresource=token", "media"),
            })
            {
                Assert.False(await CanAsync(ControllerAccount, verb, resource, ns), $"the controller may {verb} {resource} in '{ns}'");
            }

            // The injector: its own webhook configuration and Secret, and namespaces' labels; not another webhook, not another Secret.
            Assert.Equal(
                ["mutatingwebhookconfigurations.admissionregistration.k8s.io [lattice-sidecar-injector] [get patch]", "namespaces [] [get]", "secrets [] [create]", "secrets [lattice-injector-tls] [get patch]"],
                await RulesAsync(InjectorAccount, SystemNamespace));
            Assert.True(await CanAsync(InjectorAccount, "patch", "mutatingwebhookconfigurations.admissionregistration.k8s.io/lattice-sidecar-injector", ""));
            Assert.False(await CanAsync(InjectorAccount, "patch", "mutatingwebhookconfigurations.admissionregistration.k8s.io/someone-elses", ""));
            Assert.False(await CanAsync(InjectorAccount, "get", "secrets/lattice-mesh-ca", SystemNamespace));
            Assert.Equal(["mutatingwebhookconfigurations.admissionregistration.k8s.io [lattice-sidecar-injector] [get patch]", "namespaces [] [get]"], await RulesAsync(InjectorAccount, "media"));
        }
        finally
        {
            await UninstallAsync(installed);
        }
    }

    /// <summary>The controller, in this process, with a token of its ServiceAccount, does its whole job on the media stack.</summary>
    private async Task RunTheControllerAsItsServiceAccountAsync()
    {
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath);
        configuration.AccessToken = await cluster.ServiceAccountTokenAsync(SystemNamespace, "lattice-controller", KubernetesCluster.ServiceAccountIssuer, Ct);
        using var client = new k8s.Kubernetes(configuration);
        using var logs = new FakeLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        // Only media: the other tests' namespaces on this shared API server are none of its business. The ClusterRole
        // grants the same rules in every namespace (RulesAsync shows them), so this takes nothing from the check.
        var plane = await KubernetesControlPlane.StartAsync(client, MeshInCluster.QuickOptions(SystemNamespace, "media", "lattice-controller-test"), loggers, Ct);
        try
        {
            // Status written, workloads rendered, the gateway given its Secrets, the CA kept, the Lease held.
            foreach (var service in new[] { "jellyfin", "nzbget", "sonarr" })
            {
                await Wait.UntilAsync(async () => await ReadyAsync(service) == "True", $"media/{service} Ready=True, written by the controller as its ServiceAccount");
                Assert.NotNull(await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync(service, "media", cancellationToken: Ct));
                Assert.NotNull(await cluster.Client.NetworkingV1.ReadNamespacedNetworkPolicyAsync(service, "media", cancellationToken: Ct));
            }

            await Wait.UntilAsync(
                async () => (await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("lattice-gateway", SystemNamespace, cancellationToken: Ct)).Spec.Template.Spec.Volumes.Count(v => v.Secret is not null) == 2,
                "the installed gateway to mount Jellyfin's and Sonarr's ingress Secrets");
            Assert.NotNull(await cluster.Client.CoreV1.ReadNamespacedSecretAsync("lattice-mesh-ca", SystemNamespace, cancellationToken: Ct));
            Assert.NotNull(await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("lattice-mesh-ca", "media", cancellationToken: Ct));
            Assert.Equal("lattice-controller-test", (await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("lattice-mesh-controller", SystemNamespace, cancellationToken: Ct)).Spec.HolderIdentity);

            // A sidecar's token, checked with TokenReview.
            var token = await cluster.ServiceAccountTokenAsync("media", "jellyfin", "lattice-mesh", Ct);
            Assert.Equal(new ServiceId("media", "jellyfin"), await plane.Authenticator.AuthenticateAsync(token, Ct));

            var refused = logs.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Warning && Forbidden().IsMatch(r.Message)).Select(r => r.Message).ToList();
            Assert.True(refused.Count == 0, $"the API server refused the controller:{Environment.NewLine}{string.Join(Environment.NewLine, refused)}");
        }
        finally
        {
            await plane.DisposeAsync();
        }
    }

    private async Task<string?> ReadyAsync(string service)
    {
        var item = await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(LatticeServiceObject.Group, LatticeServiceObject.Version, "media", LatticeServiceObject.Plural, service, Ct);
        return item["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c!["type"] == "Ready")?["status"]?.GetValue<string>();
    }

    /// <summary>Renders deploy/ and applies it (PodDisruptionBudget as 1.20's policy/v1beta1), then the example; returns the applied file.</summary>
    private async Task<string> InstallAsync()
    {
        var rendered = await KustomizeAsync(Repository.Deploy);
        var file = Path.Combine(_folder.FullName, "deploy.yaml");
        await File.WriteAllTextAsync(file, rendered.Replace("apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n", StringComparison.Ordinal), Ct);
        Assert.Contains(" created", await KubectlAsync("apply", "-f", file), StringComparison.Ordinal);
        await KubectlAsync("wait", "--for=condition=Established", "--timeout=60s", $"customresourcedefinition/{KubernetesCluster.LatticeServiceCrdName}");
        Assert.Contains("latticeservice.lattice.dev/jellyfin", await KubectlAsync("apply", "-k", Repository.MediaServer), StringComparison.Ordinal);
        return file;
    }

    /// <summary>The README's uninstall: the example, then the mesh (its CRD with it); the CRD goes back for the tests after this one, unless the caller does that.</summary>
    private async Task UninstallAsync(string installed, bool keepTheCrdRemoved = false)
    {
        try
        {
            await KubectlAsync("delete", "-k", Repository.MediaServer, "--ignore-not-found", "--timeout=90s");
            await KubectlAsync("delete", "-f", installed, "--ignore-not-found", "--timeout=90s");
        }
        finally
        {
            if (!keepTheCrdRemoved)
            {
                await cluster.ReinstallCrdAsync(CancellationToken.None);
            }
        }
    }

    private async Task<string> KustomizeAsync(string folder) => await KubectlAsync("kustomize", folder);

    private async Task<List<IKubernetesObject<V1ObjectMeta>>> RenderAsync(string folder) =>
        [.. KubernetesYaml.LoadAllFromString(await KustomizeAsync(folder)).Cast<IKubernetesObject<V1ObjectMeta>>()];

    private Task<string> KubectlAsync(params string[] args) => cluster.KubectlOrThrowAsync(args, Ct);

    /// <summary><c>kubectl auth can-i --list --as</c>: each resource rule as "resource [names] [verbs]", sorted, without the self-reviews every user may make.</summary>
    private async Task<string[]> RulesAsync(string user, string ns)
    {
        var list = await KubectlAsync("auth", "can-i", "--list", $"--as={user}", "-n", ns);
        return
        [
            .. Lines(list).Skip(1).Select(line => RuleRow().Match(line)).Where(m => m.Success)
                .Select(m => $"{m.Groups["resource"].Value} [{m.Groups["names"].Value}] [{m.Groups["verbs"].Value}]")
                .Where(rule => !rule.StartsWith("selfsubject", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal),
        ];
    }

    private async Task<bool> CanAsync(string user, string verb, string resource, string ns)
    {
        // "pods --subresource=exec": kubectl reads "pods/exec" as the pod named exec.
        List<string> args = ["auth", "can-i", verb, .. resource.Split(' '), $"--as={user}"];
        if (ns.Length > 0)
        {
            args.AddRange(["-n", ns]);
        }

        var (code, stdout, stderr) = await cluster.KubectlAsync(args, null, Ct);
        Assert.True(stdout.Trim() is "yes" or "no", $"kubectl {string.Join(' ', args)}: {stdout}{stderr}");
        return code == 0;
    }

    /// <summary>The image <c>dotnet publish -t:PublishContainer</c> names for <paramref name="project"/>: registry/repository:tag.</summary>
    private static async Task<string> PublishedImageAsync(string project)
    {
        var (code, stdout, stderr) = await CommandRunner.RunAsync(
            "dotnet", ["msbuild", project, "-getProperty:ContainerRegistry", "-getProperty:ContainerRepository", "-getProperty:Version"], null, TimeSpan.FromSeconds(120), Ct);
        Assert.True(code == 0, $"dotnet msbuild {project}: {stderr}{stdout}");
        var properties = JsonNode.Parse(stdout)!["Properties"]!;
        return $"{properties["ContainerRegistry"]}/{properties["ContainerRepository"]}:{properties["Version"]}";
    }

    private static void LockedDown(V1PodSpec pod, V1Container container, string what)
    {
        Assert.True(container.Resources?.Requests?.ContainsKey("cpu") == true && container.Resources.Requests.ContainsKey("memory"), $"{what}: cpu and memory requests");
        Assert.True(container.Resources.Limits?.ContainsKey("cpu") == true && container.Resources.Limits.ContainsKey("memory"), $"{what}: cpu and memory limits");
        Secured(pod, container, what);
    }

    private static void Secured(V1PodSpec pod, V1Container container, string what)
    {
        var security = container.SecurityContext;
        Assert.NotNull(security);
        Assert.True((security.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) == true, $"{what}: runAsNonRoot");
        Assert.True((security.RunAsUser ?? pod.SecurityContext?.RunAsUser) is > 0, $"{what}: a non-zero runAsUser");
        Assert.True(security.ReadOnlyRootFilesystem == true, $"{what}: readOnlyRootFilesystem");
        Assert.True(security.AllowPrivilegeEscalation == false, $"{what}: allowPrivilegeEscalation false");
        Assert.True(security.Privileged is null or false, $"{what}: privileged");
        Assert.NotNull(security.Capabilities);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.True(security.Capabilities.Add is null || security.Capabilities.Add.Count == 0, $"{what}: adds capabilities");
        Assert.Equal("RuntimeDefault", (security.SeccompProfile ?? pod.SecurityContext?.SeccompProfile)?.Type);
    }

    private static T Single<T>(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, string name, bool prefix = false)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Assert.Single(objects.OfType<T>(), o => prefix ? o.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal) : o.Metadata.Name == name);

    private static void AssertSameJson(object expected, object actual)
    {
        var (one, other) = (JsonNode.Parse(KubernetesJson.Serialize(expected)), JsonNode.Parse(KubernetesJson.Serialize(actual)));
        Assert.True(JsonNode.DeepEquals(one, other), $"deploy/ differs from what GatewayRenderer renders:{Environment.NewLine}rendered: {one}{Environment.NewLine}deploy/:  {other}");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"^(?<resource>\S+)\s+\[\]\s+\[(?<names>[^\]]*)\]\s+\[(?<verbs>[^\]]*)\]$")]
    private static partial Regex RuleRow();

    [GeneratedRegex("forbidden|Forbidden|403")]
    private static partial Regex Forbidden();
}
