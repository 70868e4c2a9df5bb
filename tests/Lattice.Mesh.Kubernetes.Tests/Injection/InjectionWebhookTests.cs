using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Injector.Webhook;
using Lattice.Mesh.Kubernetes.Tests.Reconciling;
using Lattice.Mesh.Kubernetes.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Kubernetes.Tests.Injection;

/// <summary>
/// The injector registered with the real API server (a MutatingWebhookConfiguration reaching it at 127.0.0.1 by URL):
/// the pods the controller-manager makes for a Deployment get the sidecar where they should and nowhere else. Each
/// test has its own configuration, matching only namespaces with its own label, so that tests run side by side.
/// </summary>
public sealed class InjectionWebhookTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly List<IAsyncDisposable> _cleanup = [];

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Configuration => $"lattice-sidecar-injector-{_id}";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _cleanup)
        {
            await item.DisposeAsync();
        }

        try
        {
            await cluster.Client.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(Configuration, cancellationToken: CancellationToken.None);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Never made.
        }
    }

    [Fact]
    public async Task OnStart_TheInjectorSetsTheCaBundle_AndPodsOfALabelledNamespaceGetTheSidecar()
    {
        var injector = await StartInjectorAsync();
        await RegisterAsync(injector.Uri, "Ignore");
        await Wait.UntilAsync(async () => (await cluster.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(Configuration, cancellationToken: Ct)).Webhooks[0].ClientConfig.CaBundle is { Length: > 0 }, "the injector to set the caBundle");
        var ns = await MeshedNamespaceAsync();

        var pod = await DeploymentPodAsync(ns, "web");

        var proxy = Assert.Single(pod.Spec.Containers, c => c.Name == "lattice-proxy");
        Assert.Equal("lattice-proxy", pod.Spec.Containers[0].Name); // 1.20 has no native sidecars: the proxy comes first and the app waits for it
        Assert.Equal("example/lattice-proxy:test", proxy.Image);
        Assert.Contains(pod.Spec.InitContainers ?? [], c => c.Name == "lattice-capture");
        Assert.Contains(pod.Spec.Volumes, v => v.Projected?.Sources.Any(s => s.ServiceAccountToken?.Audience == "lattice-mesh") == true);
        Assert.Equal("injected", pod.Metadata.Annotations["lattice.dev/status"]);
    }

    [Fact]
    public async Task AnUnlabelledNamespace_AndAPodThatOptsOut_GetNoSidecar()
    {
        var injector = await StartInjectorAsync();
        await RegisterAsync(injector.Uri, "Ignore");
        await Wait.UntilAsync(async () => (await cluster.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(Configuration, cancellationToken: Ct)).Webhooks[0].ClientConfig.CaBundle is { Length: > 0 }, "the injector to set the caBundle");
        var plain = await cluster.CreateNamespaceAsync("plain", cancellationToken: Ct);
        var meshed = await MeshedNamespaceAsync();

        var outside = await DeploymentPodAsync(plain, "web");
        var optedOut = await DeploymentPodAsync(meshed, "batch", new Dictionary<string, string> { ["lattice.dev/inject"] = "false" });

        Assert.DoesNotContain(outside.Spec.Containers, c => c.Name == "lattice-proxy");
        Assert.DoesNotContain(optedOut.Spec.Containers, c => c.Name == "lattice-proxy");
    }

    [Fact]
    public async Task WithTheInjectorDown_AndFailurePolicyIgnore_ThePodStartsWithoutASidecar_AndTheControllerReportsIt()
    {
        var injector = await StartInjectorAsync();
        await RegisterAsync(injector.Uri, "Ignore");
        await injector.DisposeAsync();
        _cleanup.Remove(injector);
        var mesh = await MeshInCluster.CreateAsync(cluster, "ignored");
        _cleanup.Add(mesh);
        await LabelAsync(mesh.Namespace);
        await mesh.StartControllerAsync();

        await mesh.ApplyMediaStackAsync("nzbget");

        await Wait.UntilAsync(async () => (await mesh.ConditionAsync("nzbget", "SidecarsInjected"))?.Reason == "MissingSidecar", "the controller to report nzbget's pod without a sidecar");
        var pod = Assert.Single((await cluster.Client.CoreV1.ListNamespacedPodAsync(mesh.Namespace, labelSelector: "lattice.dev/service=nzbget", cancellationToken: Ct)).Items);
        Assert.DoesNotContain(pod.Spec.Containers, c => c.Name == "lattice-proxy");
    }

    [Fact]
    public async Task WithTheInjectorDown_AndFailurePolicyFail_CreationIsRefused_WithAClearMessage()
    {
        var injector = await StartInjectorAsync();
        var uri = injector.Uri;
        await RegisterAsync(uri, "Fail");
        await injector.DisposeAsync();
        _cleanup.Remove(injector);
        var ns = await MeshedNamespaceAsync();

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("web"), ns, cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.InternalServerError, refused.Response.StatusCode);
        var message = KubernetesJson.Deserialize<V1Status>(refused.Response.Content).Message;
        Assert.Contains("failed calling webhook \"inject.lattice.dev\"", message, StringComparison.Ordinal);
    }

    private string _system = string.Empty;

    [Fact]
    public async Task ACertificateNearExpiry_IsRenewedWhileRunning_AndTheApiServerKeepsCallingIt()
    {
        var injector = await StartInjectorAsync(certificateCheck: TimeSpan.FromMilliseconds(300));
        await RegisterAsync(injector.Uri, "Fail"); // every pod creation below needs a working call
        await Wait.UntilAsync(async () => (await cluster.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(Configuration, cancellationToken: Ct)).Webhooks[0].ClientConfig.CaBundle is { Length: > 0 }, "the injector to set the caBundle");
        var first = injector.Certificate.Thumbprint;

        // Someone (or time) leaves a certificate with ten days to live in the Secret: the running injector replaces it.
        using (var key = System.Security.Cryptography.ECDsa.Create())
        using (var expiring = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=expiring", key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10)))
        {
            await cluster.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(new V1Secret
            {
                Data = new Dictionary<string, byte[]>
                {
                    ["tls.crt"] = System.Text.Encoding.UTF8.GetBytes(expiring.ExportCertificatePem()),
                    ["tls.key"] = System.Text.Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem()),
                    ["ca.crt"] = System.Text.Encoding.UTF8.GetBytes(expiring.ExportCertificatePem()),
                },
            }, V1Patch.PatchType.MergePatch), "lattice-injector-tls", _system, cancellationToken: Ct);
        }

        await Wait.UntilAsync(() => Task.FromResult(injector.Certificate.Thumbprint != first), "the injector to renew its certificate");
        Assert.True(injector.Certificate.NotAfter > DateTime.UtcNow.AddDays(300));
        var bundle = System.Text.Encoding.UTF8.GetString((await cluster.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(Configuration, cancellationToken: Ct)).Webhooks[0].ClientConfig.CaBundle);
        Assert.Equal(2, PemCertificates(bundle)); // the new CA and the old, for the switch-over

        var created = await cluster.Client.CoreV1.CreateNamespacedPodAsync(Pod("web"), await MeshedNamespaceAsync(), cancellationToken: Ct);
        Assert.Contains(created.Spec.Containers, c => c.Name == "lattice-proxy");
    }

    private static int PemCertificates(string pem)
    {
        var all = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        all.ImportFromPem(pem);
        return all.Count;
    }

    private async Task<InjectorServer> StartInjectorAsync(TimeSpan? certificateCheck = null)
    {
        var system = _system = await cluster.CreateNamespaceAsync("injector", cancellationToken: Ct);
        var version = await cluster.Client.Version.GetCodeAsync(Ct);
        var injector = await InjectorServer.StartAsync(cluster.Client, new InjectorServerOptions
        {
            Settings = new InjectorSettings { ProxyImage = "example/lattice-proxy:test", NativeSidecars = InjectorVersions.SupportsNativeSidecars(version) },
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Namespace = system,
            WebhookConfiguration = Configuration,
            ExtraAddresses = [IPAddress.Loopback],
            CaBundleRetry = TimeSpan.FromMilliseconds(200),
            CertificateCheck = certificateCheck ?? TimeSpan.FromHours(12),
        }, NullLoggerFactory.Instance, Ct);
        _cleanup.Add(injector);
        return injector;
    }

    /// <summary>The configuration deploy/ installs, but matching only this test's namespaces and reaching the injector by URL.</summary>
    private async Task RegisterAsync(Uri injector, string failurePolicy)
    {
        await cluster.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(new V1MutatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = Configuration },
            Webhooks =
            [
                new V1MutatingWebhook
                {
                    Name = "inject.lattice.dev",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    FailurePolicy = failurePolicy,
                    TimeoutSeconds = 5,
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = new Uri(injector, AdmissionEndpoint.Path).ToString() },
                    Rules = [new V1RuleWithOperations { ApiGroups = [""], ApiVersions = ["v1"], Operations = ["CREATE"], Resources = ["pods"] }],
                    NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["lattice.dev/mesh"] = "enabled", ["lattice-test"] = _id } },
                    ObjectSelector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "lattice.dev/inject", OperatorProperty = "NotIn", Values = ["false"] }] },
                },
            ],
        }, cancellationToken: Ct);
    }

    private async Task<string> MeshedNamespaceAsync()
    {
        var ns = await cluster.CreateNamespaceAsync("meshed", cancellationToken: Ct);
        await LabelAsync(ns);
        return ns;
    }

    private async Task LabelAsync(string ns) =>
        await cluster.Client.CoreV1.PatchNamespaceAsync(
            new V1Patch(new V1Namespace { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["lattice.dev/mesh"] = "enabled", ["lattice-test"] = _id } } }, V1Patch.PatchType.MergePatch), ns, cancellationToken: Ct);

    /// <summary>Creates a one-replica Deployment and returns the Pod the controller-manager made for it.</summary>
    private async Task<V1Pod> DeploymentPodAsync(string ns, string name, IDictionary<string, string>? podLabels = null)
    {
        var labels = new Dictionary<string, string>(podLabels ?? new Dictionary<string, string>()) { ["app"] = name };
        await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = Pod(name).Spec },
            },
        }, ns, cancellationToken: Ct);
        V1Pod? pod = null;
        await Wait.UntilAsync(async () => (pod = (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"app={name}", cancellationToken: Ct)).Items.FirstOrDefault()) is not null, $"the controller-manager to create {name}'s pod");
        return pod!;
    }

    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "main",
                    Image = "example/app:1.0",
                    Ports = [new V1ContainerPort { ContainerPort = 8080, Name = "http" }],
                    ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/ready", Port = 8080 } },
                },
            ],
        },
    };
}

/// <summary>The MutatingWebhookConfiguration that deploy/ installs is one the API server accepts.</summary>
public sealed class WebhookConfigurationManifestTests(KubernetesCluster cluster)
{
    [Fact]
    public async Task TheShippedConfiguration_IsAcceptedByTheApiServer()
    {
        var manifest = Path.Combine(Repository.Deploy, "injector", "mutatingwebhookconfiguration.yaml");

        var (exitCode, stdout, stderr) = await cluster.KubectlAsync(["apply", "--dry-run=server", "-f", manifest], null, TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("lattice-sidecar-injector", stdout, StringComparison.Ordinal);
    }
}
