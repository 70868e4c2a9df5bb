using System.Text;
using k8s;
using k8s.Models;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>
/// The ingress gateway on a real API server: installed in the controller's namespace (as deploy/ does), it gets one TLS
/// Secret per service that declares ingress mounted by the controller, and each service's status says where its
/// certificate comes from. cert-manager is not installed here (see <see cref="CertManagerTests"/> for when it is).
/// </summary>
public sealed class GatewayInClusterTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private MeshInCluster _mesh = null!;
    private KubernetesControlPlane _controller = null!;

    public async ValueTask InitializeAsync()
    {
        _mesh = await MeshInCluster.CreateAsync(cluster, "ingress");
        // No periodic re-apply within a test: what the gateway gets, it gets from the pass that sees the change.
        _controller = await _mesh.StartControllerAsync(reapply: TimeSpan.FromHours(1));
    }

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheMediaStack_MountsItsSecretsInTheInstalledGateway_AndTheGatewayStaysWhenTheLastIngressGoes()
    {
        var system = _mesh.SystemNamespace;
        await _mesh.InstallGatewayAsync();
        var installed = (await _mesh.GatewayAsync())!;
        await _mesh.ApplyMediaStackAsync();
        await Wait.UntilAsync(
            async () => (await _mesh.GatewayAsync())?.Spec.Template.Spec.Volumes.Count(v => v.Secret is not null) == 2,
            "the installed gateway to mount Jellyfin's and Sonarr's Secrets");

        // The controller added its volumes and changed nothing else of what was installed.
        var deployment = (await _mesh.GatewayAsync())!;
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        Assert.Equal(installed.Spec.Template.Spec.Containers[0].Args, container.Args);
        Assert.Equal(MeshInCluster.InstalledProxyImage, container.Image);
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("false", deployment.Spec.Template.Metadata.Labels["lattice.dev/inject"]);
        Assert.Equal(installed.Spec.Template.Spec.Volumes.Select(v => v.Name), pod.Volumes.Where(v => v.Secret is null).Select(v => v.Name));
        Assert.Equal(3, container.VolumeMounts.Count(m => !m.MountPath.StartsWith("/etc/lattice/ingress/", StringComparison.Ordinal)));

        // One optional Secret volume per ingress Secret, each in a folder of its own.
        var secrets = pod.Volumes.Where(v => v.Secret is not null).ToList();
        Assert.Equal([_mesh.IngressSecret("jellyfin-tls"), _mesh.IngressSecret("sonarr-tls")], secrets.Select(v => v.Secret.SecretName));
        Assert.All(secrets, v => Assert.True(v.Secret.Optional));
        Assert.Equal(secrets.Select(v => $"/etc/lattice/ingress/{v.Secret.SecretName}"), secrets.Select(v => Assert.Single(container.VolumeMounts, m => m.Name == v.Name).MountPath));
        var bundle = await _mesh.Client.CoreV1.ReadNamespacedConfigMapAsync("lattice-mesh-ca", system, cancellationToken: Ct);
        Assert.Equal(_controller.Authority.CertificatePem, bundle.Data["ca.crt"]);

        // The API server admits its pods (they stay Pending here: there is no scheduler). A rollout that never becomes
        // ready keeps the older pods, so look for one of the current template.
        await Wait.UntilAsync(
            async () => (await _mesh.Client.CoreV1.ListNamespacedPodAsync(system, labelSelector: "app.kubernetes.io/name=lattice-gateway", cancellationToken: Ct)).Items.Any(p => p.Spec.Volumes.Count(v => v.Secret is not null) == 2),
            "a gateway pod of the current template");

        // Jellyfin gives up its ingress: its Secret goes and the gateway no longer mounts it.
        await _mesh.ApplyAsync(WithoutIngress(MeshInCluster.Example("jellyfin.yaml")));
        await Wait.UntilAsync(
            async () => (await _mesh.GatewayAsync())!.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName).SequenceEqual([_mesh.IngressSecret("sonarr-tls")]),
            "the gateway to mount Sonarr's Secret alone");
        await Wait.UntilAsync(async () => await _mesh.SecretAsync(system, _mesh.IngressSecret("jellyfin-tls")) is null, "Jellyfin's ingress Secret to be deleted");
        await Wait.UntilAsync(async () => await _mesh.ConditionAsync("jellyfin", "IngressCertificateReady") is null, "jellyfin's status to drop its certificate condition");

        // The last ingress goes: the gateway mounts no Secret, and stays installed with its address.
        await _mesh.ApplyAsync(WithoutIngress(MeshInCluster.Example("sonarr.yaml")));
        await Wait.UntilAsync(async () => !(await _mesh.GatewayAsync())!.Spec.Template.Spec.Volumes.Any(v => v.Secret is not null), "the gateway to mount no Secret");
        await Wait.UntilAsync(async () => await _mesh.SecretAsync(system, _mesh.IngressSecret("sonarr-tls")) is null, "Sonarr's ingress Secret to be deleted");
        var left = (await _mesh.GatewayAsync())!;
        Assert.Equal(installed.Spec.Template.Spec.Volumes.Select(v => v.Name), left.Spec.Template.Spec.Volumes.Select(v => v.Name));
        Assert.Equal(installed.Spec.Template.Spec.Containers[0].VolumeMounts.Select(m => m.MountPath), left.Spec.Template.Spec.Containers[0].VolumeMounts.Select(m => m.MountPath));
        Assert.Equal(MeshInCluster.InstalledProxyImage, left.Spec.Template.Spec.Containers[0].Image);
        var service = await _mesh.Client.CoreV1.ReadNamespacedServiceAsync("lattice-gateway", system, cancellationToken: Ct);
        Assert.Equal("LoadBalancer", service.Spec.Type);
        Assert.NotNull(await _mesh.Client.CoreV1.ReadNamespacedServiceAccountAsync("lattice-gateway", system, cancellationToken: Ct));
        Assert.NotNull(await _mesh.SecretAsync(system, "lattice-ingress-ca")); // the ingress CA stays: users trust it
    }

    [Fact]
    public async Task AGatewayNotInstalled_IsNotCreatedByTheController_AndGetsItsSecretsOnceInstalled_AndAgainWhenReinstalled()
    {
        var system = _mesh.SystemNamespace;
        await _mesh.ApplyMediaStackAsync("jellyfin");
        await Wait.UntilAsync(async () => await _mesh.SecretAsync(system, _mesh.IngressSecret("jellyfin-tls")) is not null, "Jellyfin's ingress Secret, issued all the same");
        var passes = _controller.Reconciler.Passes;
        await Wait.UntilAsync(() => Task.FromResult(_controller.Reconciler.Passes > passes + 2), "a few more passes of the controller");
        Assert.Null(await _mesh.GatewayAsync());

        await _mesh.InstallGatewayAsync();
        await Wait.UntilAsync(
            async () => (await _mesh.GatewayAsync())?.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName).SequenceEqual([_mesh.IngressSecret("jellyfin-tls")]) == true,
            "the gateway installed later to mount Jellyfin's Secret");

        // Deleted and installed again (an uninstall of the gateway, a kubectl replace): the mount comes back.
        await _mesh.Client.AppsV1.DeleteNamespacedDeploymentAsync("lattice-gateway", system, cancellationToken: TestContext.Current.CancellationToken);
        await Wait.UntilAsync(async () => await _mesh.GatewayAsync() is null, "the gateway's Deployment to be gone");
        await _mesh.Client.AppsV1.CreateNamespacedDeploymentAsync(_mesh.RenderGateway().Deployment, system, cancellationToken: TestContext.Current.CancellationToken);
        await Wait.UntilAsync(
            async () => (await _mesh.GatewayAsync())?.Spec.Template.Spec.Volumes.Any(v => v.Secret?.SecretName == _mesh.IngressSecret("jellyfin-tls")) == true,
            "the gateway installed again to mount Jellyfin's Secret again");
    }

    [Fact]
    public async Task ScalingTheInstalledGateway_DividesAnIngressRateLimitAcrossItsReplicas()
    {
        var gateway = new Compiler.Model.ServiceId(_mesh.SystemNamespace, "lattice-gateway");
        await _mesh.InstallGatewayAsync();
        await _mesh.ApplyAsync(Radarr("{mode: auto}").Replace("  ingress:\n", "  ingress:\n    rateLimit: {requestsPerInterval: 600, intervalSeconds: 60}\n", StringComparison.Ordinal));
        int? Share() => _controller.Distributor.Tables.GetValueOrDefault(gateway)?.Gateway.SingleOrDefault(h => h.Host == "radarr.home.local")?.RateLimit?.PerReplicaRequestsPerInterval;
        await Wait.UntilAsync(() => Task.FromResult(Share() == 300), "radarr.home.local's 600 a minute shared by the installed gateway's 2 replicas");

        var scale = new V1Patch("""{"spec": {"replicas": 3}}""", V1Patch.PatchType.MergePatch);
        await _mesh.Client.AppsV1.PatchNamespacedDeploymentAsync(scale, "lattice-gateway", _mesh.SystemNamespace, cancellationToken: Ct);

        await Wait.UntilAsync(() => Task.FromResult(Share() == 200), "the share of each of 3 replicas once the gateway is scaled");
    }

    [Fact]
    public async Task ModeAuto_WithoutCertManager_IsIssuedFromTheIngressCa_ForExactlyTheHosts_AndReissuedWhenTheyChange()
    {
        var system = _mesh.SystemNamespace;
        var name = _mesh.IngressSecret("jellyfin-tls");
        await _mesh.ApplyMediaStackAsync("jellyfin");
        await Wait.UntilAsync(async () => await _mesh.SecretAsync(system, name) is not null, $"Secret {name}");

        var secret = (await _mesh.SecretAsync(system, name))!;
        var certificate = Encoding.UTF8.GetString(secret.Data["tls.crt"]);
        var ca = (await _mesh.Client.CoreV1.ReadNamespacedConfigMapAsync("lattice-ingress-ca", system, cancellationToken: Ct)).Data["ca.crt"];
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.Equal(["jellyfin.home.local"], TestCertificates.DnsNames(certificate));
        Assert.True(TestCertificates.ChainsTo(certificate, ca), "the certificate should chain to the CA in ConfigMap lattice-ingress-ca");
        Assert.False(TestCertificates.ChainsTo(certificate, _controller.Authority.CertificatePem), "the ingress CA is not the mesh CA");
        using (var pair = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(certificate, Encoding.UTF8.GetString(secret.Data["tls.key"])))
        {
            Assert.InRange(pair.NotAfter - pair.NotBefore, TimeSpan.FromDays(89), TimeSpan.FromDays(91));
        }

        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("jellyfin", "IngressCertificateReady"))?.Reason == "MeshIngressCA", "jellyfin's status to name the ingress CA");
        var condition = (await _mesh.ConditionAsync("jellyfin", "IngressCertificateReady"))!.Value;
        Assert.Equal("True", condition.Status);
        Assert.Contains($"Secret {system}/{name}", condition.Message, StringComparison.Ordinal);
        Assert.Contains("no tls.issuerRef is set", condition.Message, StringComparison.Ordinal);
        Assert.Contains($"kubectl -n {system} get cm lattice-ingress-ca -o jsonpath='{{.data.ca\\.crt}}'", condition.Message, StringComparison.Ordinal);

        await _mesh.ApplyAsync(MeshInCluster.Example("jellyfin.yaml").Replace("hosts: [jellyfin.home.local]", "hosts: [jellyfin.home.local, films.home.local]", StringComparison.Ordinal));

        await Wait.UntilAsync(
            async () => TestCertificates.DnsNames(Encoding.UTF8.GetString((await _mesh.SecretAsync(system, name))!.Data["tls.crt"])).SequenceEqual(["films.home.local", "jellyfin.home.local"]),
            "the certificate to be reissued for both hosts");
        Assert.True(TestCertificates.ChainsTo(Encoding.UTF8.GetString((await _mesh.SecretAsync(system, name))!.Data["tls.crt"]), ca), "the same ingress CA issues it again");
    }

    [Fact]
    public async Task ABadEdit_OfAServiceWithIngress_KeepsItsCertificateAndItsVolume_UntilItIsFixed()
    {
        var system = _mesh.SystemNamespace;
        var name = _mesh.IngressSecret("jellyfin-tls");
        await _mesh.InstallGatewayAsync();
        await _mesh.ApplyMediaStackAsync("jellyfin");
        await Wait.UntilAsync(async () => await _mesh.SecretAsync(system, name) is not null, $"Secret {name}");
        await Wait.UntilAsync(async () => (await _mesh.GatewayAsync())!.Spec.Template.Spec.Volumes.Any(v => v.Secret?.SecretName == name), $"the gateway to mount {name}");
        var issued = (await _mesh.SecretAsync(system, name))!.Data["tls.crt"];

        var broken = MeshInCluster.Example("jellyfin.yaml").Replace("params: {size: 1Ti, accessMode: ReadWriteMany}", "params: {ref: ghost.media}", StringComparison.Ordinal);
        await _mesh.ApplyAsync(broken);
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("jellyfin", "Failed"))?.Status == "True", "jellyfin to fail");
        var passes = _controller.Reconciler.Passes;
        await Wait.UntilAsync(() => Task.FromResult(_controller.Reconciler.Passes > passes + 2), "a few more passes of the controller");

        Assert.Equal(issued, (await _mesh.SecretAsync(system, name))?.Data["tls.crt"]);
        Assert.Contains(name, (await _mesh.GatewayAsync())!.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName));
    }

    [Fact]
    public async Task ModeManual_CopiesTheUsersSecret_AndFollowsItsRotation()
    {
        var system = _mesh.SystemNamespace;
        var (first, firstKey) = TestCertificates.SelfSigned("radarr.home.local");
        await CreateTlsSecretAsync("radarr-tls", first, firstKey);
        await _mesh.ApplyAsync(Radarr("{mode: manual, secretName: radarr-tls}"));

        var copy = _mesh.IngressSecret("radarr-tls");
        await Wait.UntilAsync(async () => (await _mesh.SecretAsync(system, copy)) is { } s && Encoding.UTF8.GetString(s.Data["tls.crt"]) == first, $"the user's Secret copied to {copy}");
        Assert.Equal(firstKey, Encoding.UTF8.GetString((await _mesh.SecretAsync(system, copy))!.Data["tls.key"]));
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))?.Reason == "ManualSecret", "radarr's status to say its Secret is copied");
        Assert.Contains($"Secret {_mesh.Namespace}/radarr-tls", (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))!.Value.Message, StringComparison.Ordinal);

        // The user renews their certificate: the gateway's copy follows, with no change to the LatticeService.
        var (second, secondKey) = TestCertificates.SelfSigned("radarr.home.local");
        var user = await _mesh.Client.CoreV1.ReadNamespacedSecretAsync("radarr-tls", _mesh.Namespace, cancellationToken: Ct);
        user.Data["tls.crt"] = Encoding.UTF8.GetBytes(second);
        user.Data["tls.key"] = Encoding.UTF8.GetBytes(secondKey);
        await _mesh.Client.CoreV1.ReplaceNamespacedSecretAsync(user, "radarr-tls", _mesh.Namespace, cancellationToken: Ct);

        await Wait.UntilAsync(async () => Encoding.UTF8.GetString((await _mesh.SecretAsync(system, copy))!.Data["tls.crt"]) == second, "the copy to follow the user's new certificate");
        Assert.Equal(secondKey, Encoding.UTF8.GetString((await _mesh.SecretAsync(system, copy))!.Data["tls.key"]));
    }

    [Fact]
    public async Task ModeManual_AMissingOrBadSecret_IsReportedWithTheFix_AndTheOtherServicesStayReady()
    {
        await _mesh.ApplyMediaStackAsync("jellyfin");
        await _mesh.ApplyAsync(Radarr("{mode: manual, secretName: radarr-tls}"));

        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))?.Reason == "SecretMissing", "radarr's status to report its missing Secret");
        var missing = (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))!.Value;
        Assert.Equal("False", missing.Status);
        Assert.Contains($"Secret {_mesh.Namespace}/radarr-tls", missing.Message, StringComparison.Ordinal);
        Assert.Contains($"Fix: kubectl -n {_mesh.Namespace} create secret tls radarr-tls --cert=", missing.Message, StringComparison.Ordinal);
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("jellyfin", "Ready"))?.Status == "True", "jellyfin to stay Ready");
        Assert.Equal("True", (await _mesh.ConditionAsync("jellyfin", "IngressCertificateReady"))?.Status);
        Assert.Null(await _mesh.SecretAsync(_mesh.SystemNamespace, _mesh.IngressSecret("radarr-tls")));

        // A Secret that is there but holds no usable pair is named as such.
        var (certificate, _) = TestCertificates.SelfSigned("radarr.home.local");
        var (_, otherKey) = TestCertificates.SelfSigned("radarr.home.local");
        await CreateTlsSecretAsync("radarr-tls", certificate, otherKey);
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))?.Reason == "SecretInvalid", "radarr's status to report its unusable Secret");
        Assert.Contains("Fix:", (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))!.Value.Message, StringComparison.Ordinal);
        Assert.Null(await _mesh.SecretAsync(_mesh.SystemNamespace, _mesh.IngressSecret("radarr-tls")));
    }

    private async Task CreateTlsSecretAsync(string name, string certificatePem, string keyPem) =>
        await _mesh.Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name },
                Type = "kubernetes.io/tls",
                Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.UTF8.GetBytes(certificatePem), ["tls.key"] = Encoding.UTF8.GetBytes(keyPem) },
            },
            _mesh.Namespace,
            cancellationToken: Ct);

    /// <summary>A manifest of the example without its ingress (the last block of jellyfin.yaml and sonarr.yaml).</summary>
    private static string WithoutIngress(string manifest)
    {
        var at = manifest.IndexOf("\n  ingress:", StringComparison.Ordinal);
        Assert.True(at > 0, "the example should end with its ingress");
        return manifest[..(at + 1)];
    }

    /// <summary>A fourth service, radarr, with ingress radarr.home.local and the given tls.</summary>
    internal static string Radarr(string tls) => $$"""
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata:
          name: radarr
        spec:
          containers:
            main:
              image: linuxserver/radarr:latest
          service:
            ports:
              http: {port: 7878}
          ingress:
            hosts: [radarr.home.local]
            tls: {{tls}}
        """;
}
