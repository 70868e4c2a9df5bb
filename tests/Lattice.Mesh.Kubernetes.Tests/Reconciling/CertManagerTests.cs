using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>
/// <c>mode: auto</c> with an issuerRef: the ingress CA while cert-manager is not installed, a cert-manager Certificate
/// once its CRD is. Installs cert-manager's Certificate CRD (a minimal one, cluster-wide), so it runs alone and
/// removes it afterwards.
/// </summary>
[Collection(nameof(ClusterScopedCrdGroup))]
public sealed class CertManagerTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private const string Crd = "certificates.cert-manager.io";

    /// <summary>What the test needs of cert-manager: its Certificate kind, v1, any content.</summary>
    private const string MinimalCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: certificates.cert-manager.io
        spec:
          group: cert-manager.io
          scope: Namespaced
          names: {kind: Certificate, listKind: CertificateList, plural: certificates, singular: certificate}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
        """;

    private MeshInCluster _mesh = null!;

    public async ValueTask InitializeAsync()
    {
        _mesh = await MeshInCluster.CreateAsync(cluster, "certmgr");
        await _mesh.InstallGatewayAsync();
        await _mesh.StartControllerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _mesh.DisposeAsync();
        await cluster.KubectlAsync(["delete", "crd", Crd, "--ignore-not-found", "--wait=true"], null, CancellationToken.None);
    }

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnIssuerRef_FallsBackToTheIngressCa_WithoutCertManager_AndUsesCertManagerOnceItsCrdIsInstalled()
    {
        var system = _mesh.SystemNamespace;
        var name = _mesh.IngressSecret("radarr-tls");
        await _mesh.ApplyAsync(GatewayInClusterTests.Radarr("{mode: auto, issuerRef: {name: letsencrypt-prod}}"));

        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))?.Reason == "MeshIngressCA", "radarr's status to name the ingress CA");
        var fallback = (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))!.Value;
        Assert.Contains("tls.issuerRef names ClusterIssuer letsencrypt-prod, but cert-manager's CRDs (certificates.cert-manager.io) are not installed", fallback.Message, StringComparison.Ordinal);
        Assert.Contains("lattice-ingress-ca", fallback.Message, StringComparison.Ordinal);
        Assert.NotNull(await _mesh.SecretAsync(system, name));

        var (installed, _, error) = await cluster.KubectlAsync(["apply", "-f", "-"], MinimalCrd, Ct);
        Assert.True(installed == 0, error);
        var (established, _, notEstablished) = await cluster.KubectlAsync(["wait", "--for=condition=Established", "--timeout=60s", $"crd/{Crd}"], null, Ct);
        Assert.True(established == 0, notEstablished);

        // Noticed without a restart: the controller looks for the CRD on every pass.
        await Wait.UntilAsync(async () => await CertificateAsync(name) is not null, $"Certificate {system}/{name}");
        var spec = (await CertificateAsync(name))!["spec"]!;
        Assert.Equal(name, (string?)spec["secretName"]);
        Assert.Equal(["radarr.home.local"], spec["dnsNames"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(("letsencrypt-prod", "ClusterIssuer", "cert-manager.io"), ((string?)spec["issuerRef"]!["name"], (string?)spec["issuerRef"]!["kind"], (string?)spec["issuerRef"]!["group"]));

        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))?.Reason == "CertManager", "radarr's status to name cert-manager");
        var waiting = (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))!.Value;
        Assert.Equal("False", waiting.Status); // no cert-manager runs here to issue it
        Assert.Contains("ClusterIssuer letsencrypt-prod", waiting.Message, StringComparison.Ordinal);
        Assert.Contains("defaults to ClusterIssuer", waiting.Message, StringComparison.Ordinal);
        Assert.Contains(name, (await _mesh.GatewayAsync())!.Spec.Template.Spec.Volumes.Where(v => v.Secret is not null).Select(v => v.Secret.SecretName));

        // cert-manager reports the Certificate ready: so does the status.
        await _mesh.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"status": {"conditions": [{"type": "Ready", "status": "True", "message": "Certificate is up to date and has not expired"}]}}""", V1Patch.PatchType.MergePatch),
            "cert-manager.io", "v1", system, "certificates", name, cancellationToken: Ct);
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))?.Status == "True", "radarr's certificate to be ready");
        Assert.Contains("cert-manager issued", (await _mesh.ConditionAsync("radarr", "IngressCertificateReady"))!.Value.Message, StringComparison.Ordinal);

        // Without ingress, the controller's Certificate goes too.
        await _mesh.DeleteServiceAsync("radarr");
        await Wait.UntilAsync(async () => await CertificateAsync(name) is null, $"Certificate {system}/{name} to be deleted");
    }

    private async Task<JsonObject?> CertificateAsync(string name)
    {
        var list = await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>("cert-manager.io", "v1", _mesh.SystemNamespace, "certificates", cancellationToken: Ct);
        return list["items"]!.AsArray().OfType<JsonObject>().SingleOrDefault(item => (string?)item["metadata"]!["name"] == name);
    }
}
