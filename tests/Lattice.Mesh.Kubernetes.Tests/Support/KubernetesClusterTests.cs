using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>What the shared cluster promises the tests that use it.</summary>
public sealed class KubernetesClusterTests(KubernetesCluster cluster)
{
    [Fact]
    public async Task CreateNamespace_GivesEachCallerItsOwnLabelledNamespace_ReadyForPods()
    {
        var ct = TestContext.Current.CancellationToken;
        var labels = new Dictionary<string, string> { ["lattice.dev/mesh"] = "enabled" };

        var first = await cluster.CreateNamespaceAsync("fixture", labels, ct);
        var second = await cluster.CreateNamespaceAsync("fixture", labels, ct);

        Assert.NotEqual(first, second);
        Assert.StartsWith("fixture-", first, StringComparison.Ordinal);
        var (exitCode, stdout, stderr) = await cluster.KubectlAsync(["get", "namespace", first, "-o", "jsonpath={.metadata.labels.lattice\\.dev/mesh}"], null, ct);
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("enabled", stdout);
        // In v1.20 a Pod is refused until its namespace's default ServiceAccount has a token.
        var account = await cluster.Client.CoreV1.ReadNamespacedServiceAccountAsync("default", second, cancellationToken: ct);
        Assert.NotEmpty(account.Secrets);
    }

    [Fact]
    public async Task ServiceAccountToken_IsForTheRequestedAudience_AndNotForTheApiServer()
    {
        var ct = TestContext.Current.CancellationToken;
        var ns = await cluster.CreateNamespaceAsync("fixture-token", cancellationToken: ct);

        var token = await cluster.ServiceAccountTokenAsync(ns, "default", "lattice-mesh", ct);

        var claims = JsonNode.Parse(Base64UrlDecode(token.Split('.')[1]))!;
        Assert.Equal(KubernetesCluster.ServiceAccountIssuer, (string?)claims["iss"]);
        Assert.Equal(["lattice-mesh"], claims["aud"]!.AsArray().Select(a => (string)a!));
        Assert.Equal($"system:serviceaccount:{ns}:default", (string?)claims["sub"]);

        var review = await cluster.Client.AuthenticationV1.CreateTokenReviewAsync(
            new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token, Audiences = ["lattice-mesh"] } }, cancellationToken: ct);
        Assert.True(review.Status.Authenticated, review.Status.Error);
        Assert.Equal($"system:serviceaccount:{ns}:default", review.Status.User.Username);

        // The API server accepts only tokens for its own audience: a mesh token must not work as an API credential.
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Server, "/api"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task InstallCrd_FromManyTestsAtOnce_InstallsItOnce()
    {
        var ct = TestContext.Current.CancellationToken;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => cluster.InstallCrdAsync(ct)));

        var crd = await cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(KubernetesCluster.LatticeServiceCrdName, cancellationToken: ct);
        Assert.Contains(crd.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
    }

    [Fact]
    public void MissingBinaries_AreReported_WithTheSetupScriptToRun()
    {
        var empty = Directory.CreateTempSubdirectory("lattice-k8s-empty-cache-");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => ControlPlaneBinaries.Locate(empty.FullName));

            Assert.Contains(Path.Combine(empty.FullName, "bin", "kube-apiserver"), error.Message, StringComparison.Ordinal);
            Assert.Contains("tests/k8s/setup.sh", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task FailedStart_KillsWhatItStarted_AndReportsTheLogTail()
    {
        var real = ControlPlaneBinaries.Locate();
        var fake = Directory.CreateTempSubdirectory("lattice-k8s-fake-apiserver-");
        try
        {
            var apiServer = Path.Combine(fake.FullName, "kube-apiserver");
            // Written by a child process: had this process held it open for writing while other tests fork, exec
            // could fail with ETXTBSY ("Text file busy").
            var written = await CommandRunner.RunAsync(
                "/bin/sh",
                ["-c", "cat > \"$1\" && chmod 700 \"$1\"", "sh", apiServer],
                "#!/bin/sh\necho 'Error: unknown flag: --this-build-is-broken' >&2\nexit 1\n",
                TimeSpan.FromSeconds(10),
                TestContext.Current.CancellationToken);
            Assert.True(written.ExitCode == 0, written.Stderr);
            var failing = new KubernetesCluster(real with { ApiServer = apiServer });
            await using (failing)
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await failing.InitializeAsync());

                Assert.Contains("kube-apiserver exited", error.Message, StringComparison.Ordinal);
                Assert.Contains("unknown flag: --this-build-is-broken", error.Message, StringComparison.Ordinal);
                Assert.Contains(failing.Folder, error.Message, StringComparison.Ordinal);
                var etcd = File.ReadAllLines(Path.Combine(failing.Folder, "pids")).Select(line => line.Split(' ')).Single(parts => parts[0] == "etcd");
                Assert.False(File.Exists($"/proc/{etcd[1]}/cmdline"), $"etcd (pid {etcd[1]}) outlived the failed start");
            }
        }
        finally
        {
            fake.Delete(recursive: true);
        }
    }

    private static string Base64UrlDecode(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
    }
}
