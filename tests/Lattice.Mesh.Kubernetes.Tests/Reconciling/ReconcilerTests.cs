using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>The controller on a real API server with the user's media stack: what it renders, and what status says.</summary>
public sealed class ReconcilerTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private MeshInCluster _mesh = null!;
    private KubernetesControlPlane _controller = null!;

    public async ValueTask InitializeAsync()
    {
        _mesh = await MeshInCluster.CreateAsync(cluster, "media");
        _controller = await _mesh.StartControllerAsync();
        await _mesh.ApplyMediaStackAsync();
    }

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryService_GetsItsWorkload_AndTheDeploymentsBecomePods()
    {
        foreach (var name in new[] { "jellyfin", "nzbget", "sonarr" })
        {
            // Ready: every object of the service was applied.
            await Wait.UntilAsync(async () => (await _mesh.ConditionAsync(name, "Ready"))?.Status == "True", $"{name} to be Ready");
        }

        var ns = _mesh.Namespace;
        var client = _mesh.Client;

        var sonarr = (await _mesh.DeploymentAsync("sonarr"))!;
        var claims = sonarr.Spec.Template.Spec.Volumes.Where(v => v.PersistentVolumeClaim is not null).ToDictionary(v => v.Name, v => v.PersistentVolumeClaim.ClaimName);
        Assert.Equal("nzbget-downloads", claims["downloads"]); // the claim NZBGet owns: no second copy
        Assert.Equal("jellyfin-media", claims["media"]);
        Assert.Equal("sonarr", sonarr.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal("true", sonarr.Spec.Template.Metadata.Labels["lattice.dev/inject"]);

        var account = await client.CoreV1.ReadNamespacedServiceAccountAsync("sonarr", ns, cancellationToken: Ct);
        Assert.False(account.AutomountServiceAccountToken);
        var service = await client.CoreV1.ReadNamespacedServiceAsync("nzbget", ns, cancellationToken: Ct);
        Assert.Contains(service.Spec.Ports, p => p.Port == 6789);
        Assert.Contains(service.Spec.Ports, p => p.Port == 15006);
        Assert.Equal(5, (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: Ct)).Items.Count);
        var downloads = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("nzbget-downloads", ns, cancellationToken: Ct);
        Assert.Equal(["ReadWriteMany"], downloads.Spec.AccessModes);
        Assert.Equal("500Gi", downloads.Spec.Resources.Requests["storage"].ToString());
        var policy = await client.NetworkingV1.ReadNamespacedNetworkPolicyAsync("nzbget", ns, cancellationToken: Ct);
        var from = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty);
        Assert.Equal("sonarr", from.PodSelector.MatchLabels["lattice.dev/service"]);
        Assert.Equal("15006", Assert.Single(policy.Spec.Ingress[0].Ports).Port.Value);

        await Wait.UntilAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "lattice.dev/service=sonarr", cancellationToken: Ct)).Items.Count == 1, "the controller-manager to create sonarr's pod");
    }

    [Fact]
    public async Task Status_ShowsTheSeedsAgreements_WithTheirPolicies()
    {
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("sonarr", "Ready"))?.Status == "True", "sonarr to be Ready");
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("nzbget", "Ready"))?.Status == "True", "nzbget to be Ready");

        var sonarr = await _mesh.StatusAsync("sonarr");
        var toNzbget = Agreement(sonarr, $"{_mesh.Namespace}/nzbget");
        Assert.Equal("outbound", toNzbget.GetProperty("direction").GetString());
        Assert.Equal("3 attempts", toNzbget.GetProperty("retries").GetString());
        Assert.Equal("30s", toNzbget.GetProperty("timeout").GetString());
        Assert.Equal(RouteTable.GoDuration.Format(TimeSpan.FromSeconds(60)), Agreement(sonarr, $"{_mesh.Namespace}/jellyfin").GetProperty("timeout").GetString());
        Assert.Equal(1, sonarr.GetProperty("observedGeneration").GetInt64());
        Assert.Equal("True", (await _mesh.ConditionAsync("sonarr", "AgreementsResolved"))?.Status);

        var nzbget = await _mesh.StatusAsync("nzbget");
        var fromSonarr = Agreement(nzbget, $"{_mesh.Namespace}/sonarr");
        Assert.Equal("inbound", fromSonarr.GetProperty("direction").GetString());
        Assert.Equal("1000 per 60s", fromSonarr.GetProperty("rateLimit").GetString());
        Assert.StartsWith("sha256:", nzbget.GetProperty("routeTable").GetProperty("revision").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AOneSidedDeclaration_IsPending_AndStatusGivesTheFix()
    {
        await _mesh.ApplyAsync(Radarr("""
                nzbget:
                  type: service
                  direction: outbound
            """));

        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "AgreementsResolved"))?.Status == "False", "radarr's agreement to be pending");
        var pending = Assert.Single((await _mesh.StatusAsync("radarr")).GetProperty("pending").EnumerateArray());
        Assert.Equal($"{_mesh.Namespace}/nzbget", pending.GetProperty("callee").GetString());
        Assert.Contains("add resources.radarr {type: service, direction: inbound}", pending.GetProperty("fix").GetString(), StringComparison.Ordinal);
        await Wait.UntilAsync(async () => (await _mesh.StatusAsync("nzbget")).TryGetProperty("pendingCount", out var n) && n.GetInt32() == 1, "nzbget's status to show the pending agreement too");
    }

    [Fact]
    public async Task ABadService_FailsAlone_WithTheFieldAndTheFix()
    {
        await _mesh.ApplyAsync(Radarr("""
                downloads:
                  type: volume
                  params: {ref: ghost.downloads}
            """));

        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "Failed"))?.Status == "True", "radarr to be Failed");
        var failed = (await _mesh.ConditionAsync("radarr", "Failed"))!.Value;
        Assert.Contains("ghost", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", failed.Message, StringComparison.Ordinal);
        Assert.Null(await _mesh.DeploymentAsync("radarr"));
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("sonarr", "Ready"))?.Status == "True", "sonarr to stay Ready");
    }

    [Fact]
    public async Task DeletingAService_RemovesItsWorkload_ButKeepsAClaimAnotherServiceMounts()
    {
        await Wait.UntilAsync(async () => await _mesh.DeploymentAsync("jellyfin") is not null, "jellyfin's Deployment");
        await Wait.UntilAsync(async () => (await _mesh.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(_mesh.Namespace, cancellationToken: Ct)).Items.Count == 5, "the seed's claims");

        await _mesh.DeleteServiceAsync("jellyfin");

        await Wait.UntilAsync(async () => await _mesh.DeploymentAsync("jellyfin") is null, "the garbage collector to remove jellyfin's Deployment");
        await Wait.UntilAsync(async () => !await ExistsAsync(() => _mesh.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("jellyfin-config", _mesh.Namespace, cancellationToken: Ct)), "jellyfin's own claim to be deleted");
        Assert.True(await ExistsAsync(() => _mesh.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("jellyfin-media", _mesh.Namespace, cancellationToken: Ct)), "the media library Sonarr still mounts must stay");
        // Sonarr's ref to jellyfin.media now points at nothing: its spec fails, its workload stays as it was, and its
        // status says both what to fix and why the claim it mounts is still there.
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("sonarr", "VolumesResolved"))?.Message.Contains("claim jellyfin-media is kept", StringComparison.Ordinal) == true, "sonarr's status to say why the claim is kept");
        Assert.Equal("True", (await _mesh.ConditionAsync("sonarr", "Failed"))?.Status);
        Assert.NotNull(await _mesh.DeploymentAsync("sonarr"));
    }

    [Fact]
    public async Task AnObjectDeletedByHand_IsPutBack()
    {
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("nzbget", "Ready"))?.Status == "True", "nzbget to be Ready");
        var before = await _mesh.Client.CoreV1.ReadNamespacedServiceAsync("nzbget", _mesh.Namespace, cancellationToken: Ct);

        var (deleted, _, error) = await cluster.KubectlAsync("delete", "service", "nzbget", "-n", _mesh.Namespace);
        Assert.True(deleted == 0, error);

        await Wait.UntilAsync(
            async () => (await _mesh.Client.CoreV1.ListNamespacedServiceAsync(_mesh.Namespace, fieldSelector: "metadata.name=nzbget", cancellationToken: Ct)).Items.SingleOrDefault() is { } again && again.Metadata.Uid != before.Metadata.Uid,
            "the controller to apply nzbget's Service again");
    }

    [Fact]
    public async Task PodsRunningWithoutTheSidecar_AreReported_InStatusAndAsAMetric()
    {
        // No injector runs here, so the pods the controller-manager makes for the seed's Deployments have no sidecar.
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("sonarr", "SidecarsInjected"))?.Reason == "MissingSidecar", "sonarr's status to report its pod without a sidecar");

        var condition = (await _mesh.ConditionAsync("sonarr", "SidecarsInjected"))!.Value;
        var pod = Assert.Single((await _mesh.Client.CoreV1.ListNamespacedPodAsync(_mesh.Namespace, labelSelector: "lattice.dev/service=sonarr", cancellationToken: Ct)).Items);
        Assert.Equal("False", condition.Status);
        Assert.StartsWith($"1 pod runs without the sidecar, so the mesh neither protects nor reaches them: {pod.Metadata.Name}.", condition.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", condition.Message, StringComparison.Ordinal);
        Assert.Equal(1, _controller.Reconciler.PodsWithoutSidecar[new ServiceId(_mesh.Namespace, "sonarr")]);
    }

    [Fact]
    public async Task TheMeshTrustBundle_IsPublishedInTheNamespace_ForSidecarsToMount()
    {
        await Wait.UntilAsync(async () => (await _mesh.Client.CoreV1.ListNamespacedConfigMapAsync(_mesh.Namespace, fieldSelector: "metadata.name=lattice-mesh-ca", cancellationToken: Ct)).Items.Count == 1, "the lattice-mesh-ca ConfigMap");

        var map = await _mesh.Client.CoreV1.ReadNamespacedConfigMapAsync("lattice-mesh-ca", _mesh.Namespace, cancellationToken: Ct);
        Assert.Equal(_controller.Authority.CertificatePem, map.Data["ca.crt"]);
    }

    private static JsonElement Agreement(JsonElement status, string service) =>
        Assert.Single(status.GetProperty("agreements").EnumerateArray(), a => a.GetProperty("service").GetString() == service);

    private static async Task<bool> ExistsAsync<T>(Func<Task<T>> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>A fourth service, radarr, with the given resources (indented for spec.resources).</summary>
    internal static string Radarr(string resources) => $$"""
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
          resources:
        {{resources}}
        """;
}
