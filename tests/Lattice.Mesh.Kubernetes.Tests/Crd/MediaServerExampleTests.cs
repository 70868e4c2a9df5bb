using System.Security.Cryptography;
using System.Text.Json.Nodes;
using k8s;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Crd;

/// <summary>
/// The user's stack, examples/media-server, applied with <c>kubectl apply -k</c> as the README says. The cluster is
/// shared, so the example is copied and only its namespace renamed (in kustomization.yaml and namespace.yaml);
/// everything else is applied as written.
/// </summary>
public sealed class MediaServerExampleTests(KubernetesCluster cluster) : IDisposable
{
    private readonly DirectoryInfo _copy = Directory.CreateTempSubdirectory("lattice-media-server-");

    public void Dispose() => _copy.Delete(recursive: true);

    [Fact]
    public async Task ApplyK_AcceptsTheExample_AndStoresEverySpecAsWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = CopyExampleWithNamespace();

        // What kubectl sends: the example's objects after kustomize, as JSON.
        var rendered = await cluster.KubectlAsync(["apply", "-k", _copy.FullName, "--dry-run=client", "-o", "json"], null, ct);
        Assert.True(rendered.ExitCode == 0, rendered.Stderr);
        var sent = JsonNode.Parse(rendered.Stdout)!["items"]!.AsArray()
            .Where(item => (string?)item!["kind"] == "LatticeService")
            .ToDictionary(item => (string)item!["metadata"]!["name"]!, item => item!["spec"]!);

        var (exitCode, stdout, stderr) = await cluster.KubectlAsync(["apply", "-k", _copy.FullName], null, ct);

        Assert.True(exitCode == 0, $"kubectl apply -k rejected the example:{Environment.NewLine}{stderr}");
        Assert.Contains($"namespace/{ns} created", stdout, StringComparison.Ordinal);
        Assert.Equal(["jellyfin", "nzbget", "sonarr"], sent.Keys.Order());
        Assert.Equal(["jellyfin", "nzbget", "sonarr"], (await LatticeServiceApi.NamesAsync(cluster, ns, ct)).Order());
        foreach (var (name, spec) in sent)
        {
            var stored = (await LatticeServiceApi.GetAsync(cluster, ns, name, ct))["spec"];
            // Anything the schema does not declare is pruned silently; the spec must come back exactly as sent.
            Assert.True(JsonNode.DeepEquals(spec, stored), $"{name}: the stored spec differs from the example's.{Environment.NewLine}sent:   {spec!.ToJsonString()}{Environment.NewLine}stored: {stored?.ToJsonString()}");
        }

        var media = await cluster.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct);
        Assert.Equal("enabled", media.Metadata.Labels["lattice.dev/mesh"]);
    }

    [Fact]
    public async Task ApplyK_KeepsSonarrsAgreementsAndReferences()
    {
        var ct = TestContext.Current.CancellationToken;
        await cluster.InstallCrdAsync(ct);
        var ns = CopyExampleWithNamespace();
        var applied = await cluster.KubectlAsync(["apply", "-k", _copy.FullName], null, ct);
        Assert.True(applied.ExitCode == 0, applied.Stderr);

        var sonarr = (await LatticeServiceApi.GetAsync(cluster, ns, "sonarr", ct))["spec"]!;
        var jellyfin = (await LatticeServiceApi.GetAsync(cluster, ns, "jellyfin", ct))["spec"]!;

        var nzbget = sonarr["resources"]!["nzbget"]!;
        Assert.Equal("outbound", (string?)nzbget["direction"]);
        Assert.Equal(3, (int)nzbget["outbound"]!["retries"]!["attempts"]!);
        Assert.Equal("10s", (string?)nzbget["outbound"]!["retries"]!["perTryTimeout"]);
        Assert.Equal(["5xx", "connect-failure"], nzbget["outbound"]!["retries"]!["retryOn"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("nzbget.downloads", (string?)sonarr["resources"]!["downloads"]!["params"]!["ref"]);
        Assert.Equal("https://api.nzbgeek.info", (string?)sonarr["resources"]!["sonarr-indexers"]!["params"]!["endpoints"]!["newznab"]);
        Assert.Equal("${resources.media}", (string?)sonarr["containers"]!["main"]!["volumes"]!["/media"]!["source"]);
        Assert.Equal(100, (int)jellyfin["resources"]!["sonarr"]!["inbound"]!["rateLimit"]!["requestsPerInterval"]!);
        // Quantities stay as written: "4" a string, 1Ti not normalised.
        Assert.Equal("4", (string?)jellyfin["containers"]!["main"]!["resources"]!["limits"]!["cpu"]);
        Assert.Equal("1Ti", (string?)jellyfin["resources"]!["media"]!["params"]!["size"]);
    }

    /// <summary>Copies the example and gives it a namespace of its own; fails if the example no longer has the lines this rewrites.</summary>
    private string CopyExampleWithNamespace()
    {
        var ns = $"media-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        foreach (var file in Directory.EnumerateFiles(Repository.MediaServer))
        {
            File.Copy(file, Path.Combine(_copy.FullName, Path.GetFileName(file)));
        }

        ReplaceOnce("kustomization.yaml", "\nnamespace: media\n", $"\nnamespace: {ns}\n");
        ReplaceOnce("namespace.yaml", "\n  name: media\n", $"\n  name: {ns}\n");
        return ns;
    }

    private void ReplaceOnce(string file, string oldText, string newText)
    {
        var path = Path.Combine(_copy.FullName, file);
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var at = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0 && text.IndexOf(oldText, at + 1, StringComparison.Ordinal) < 0, $"examples/media-server/{file} should contain '{oldText.Trim()}' exactly once");
        File.WriteAllText(path, string.Concat(text.AsSpan(0, at), newText, text.AsSpan(at + oldText.Length)));
    }
}
