using k8s;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Certificates;
using Lattice.Mesh.Kubernetes.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>A sidecar's projected ServiceAccount token, checked by the real API server's TokenReview, names its service.</summary>
public sealed class TokenReviewTests(KubernetesCluster cluster)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APodsToken_ForTheMeshAudience_IsItsServiceAccountsService()
    {
        var ns = await cluster.CreateNamespaceAsync("tokens", cancellationToken: Ct);
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "sonarr" } }, ns, cancellationToken: Ct);
        var token = await cluster.ServiceAccountTokenAsync(ns, "sonarr", "lattice-mesh", Ct);
        var authenticator = new TokenReviewAuthenticator(cluster.Client, NullLogger<TokenReviewAuthenticator>.Instance);

        Assert.Equal(new ServiceId(ns, "sonarr"), await authenticator.AuthenticateAsync(token, Ct));
    }

    [Fact]
    public async Task AForgedToken_OrOneForAnotherAudience_ProvesNothing()
    {
        var ns = await cluster.CreateNamespaceAsync("tokens", cancellationToken: Ct);
        await cluster.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "sonarr" } }, ns, cancellationToken: Ct);
        var authenticator = new TokenReviewAuthenticator(cluster.Client, NullLogger<TokenReviewAuthenticator>.Instance);
        var genuine = await cluster.ServiceAccountTokenAsync(ns, "sonarr", "lattice-mesh", Ct);
        var parts = genuine.Split('.');
        var forgedPayload = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($$"""{"iss":"https://kubernetes.default.svc","sub":"system:serviceaccount:{{ns}}:admin","aud":["lattice-mesh"],"exp":4102444800}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var forged = $"{parts[0]}.{forgedPayload}.{parts[2]}";
        var otherAudience = await cluster.ServiceAccountTokenAsync(ns, "sonarr", "some-other-api", Ct);

        Assert.Null(await authenticator.AuthenticateAsync(forged, Ct));
        Assert.Null(await authenticator.AuthenticateAsync(otherAudience, Ct));
        Assert.Null(await authenticator.AuthenticateAsync("not-a-token", Ct));
    }
}
