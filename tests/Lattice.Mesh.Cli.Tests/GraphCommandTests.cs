using System.Text.Json;

namespace Lattice.Mesh.Cli.Tests;

public sealed class GraphCommandTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("lattice-cli-");

    [Fact]
    public void Text_ShowsTheMatrix_WithEachDenialsReason()
    {
        var (exitCode, output, _) = Cli.Run("graph", Cli.MediaServer);

        Assert.Equal(0, exitCode);
        Assert.Contains("3 services, 2 agreements, 0 pending", output, StringComparison.Ordinal);
        Assert.Matches(@"│ sonarr\s+│ allowed\s+│ allowed\s+│ -\s+│", output);
        Assert.Matches(@"│ jellyfin\s+│ -\s+│ denied\s+│ denied\s+│", output);
        Assert.Contains("denied nzbget → sonarr: nzbget declares no outbound to sonarr", output, StringComparison.Ordinal);
        Assert.Contains("denied jellyfin → nzbget: jellyfin declares no outbound to nzbget and nzbget declares no inbound from jellyfin", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_ShowsTheSeedsL7PolicyTable_RowByRow()
    {
        var (_, output, _) = Cli.Run("graph", Cli.MediaServer);

        Assert.Matches(@"│ sonarr → nzbget\s+│ 3 attempts, 5xx/connect-failure, 10s per try\s+│ 30s\s+│ -\s+│", output);
        Assert.Matches(@"│ sonarr → jellyfin\s+│ -\s+│ 60s\s+│ -\s+│", output);
        Assert.Matches(@"│ \* → nzbget\s+│ -\s+│ -\s+│ 1000/min\s+│", output);
        Assert.Matches(@"│ \* → jellyfin\s+│ -\s+│ -\s+│ 100/min\s+│", output);
    }

    [Fact]
    public void Text_ShowsTheVolumeSharingTable()
    {
        var (_, output, _) = Cli.Run("graph", Cli.MediaServer);

        Assert.Matches(@"│ nzbget-downloads\s+│ nzbget\s+│ 500Gi\s+│ ReadWriteMany\s+│ nzbget /downloads, sonarr /downloads\s+│", output);
        Assert.Matches(@"│ jellyfin-media\s+│ jellyfin\s+│ 1Ti\s+│ ReadWriteMany\s+│ jellyfin /media, sonarr /media\s+│", output);
    }

    [Fact]
    public void Json_HasTheAgreementsPoliciesAndVolumes()
    {
        var (exitCode, output, _) = Cli.Run("graph", Cli.MediaServer, "--format", "json");

        Assert.Equal(0, exitCode);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.Equal(["media/jellyfin", "media/nzbget", "media/sonarr"], root.GetProperty("services").EnumerateArray().Select(e => e.GetString()));
        var toNzbget = root.GetProperty("agreements").EnumerateArray().Single(a => a.GetProperty("callee").GetString() == "media/nzbget");
        Assert.Equal("media/sonarr", toNzbget.GetProperty("caller").GetString());
        Assert.Equal(3, toNzbget.GetProperty("retries").GetProperty("attempts").GetInt32());
        Assert.Equal("10s", toNzbget.GetProperty("retries").GetProperty("perTryTimeout").GetString());
        Assert.Equal("30s", toNzbget.GetProperty("timeout").GetProperty("request").GetString());
        Assert.Equal(1000, toNzbget.GetProperty("rateLimit").GetProperty("requestsPerInterval").GetInt32());
        var policies = root.GetProperty("policies").EnumerateArray()
            .Select(p => $"{p.GetProperty("route").GetString()} | {p.GetProperty("retries").GetString()} | {p.GetProperty("timeout").GetString()} | {p.GetProperty("rateLimit").GetString()}");
        Assert.Equal(
            [
                "sonarr → jellyfin | - | 60s | -",
                "sonarr → nzbget | 3 attempts, 5xx/connect-failure, 10s per try | 30s | -",
                "* → jellyfin | - | - | 100/min",
                "* → nzbget | - | - | 1000/min",
            ],
            policies);
        Assert.Equal(5, root.GetProperty("volumes").GetArrayLength());
        Assert.Equal(0, root.GetProperty("diagnostics").GetArrayLength());
    }

    [Fact]
    public void Mermaid_LabelsEdgesWithPolicies_AndDashesPendingOnes()
    {
        Write("mesh.yaml", OneSided);

        var (exitCode, output, _) = Cli.Run("graph", _scratch.FullName, "--format", "mermaid");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("graph LR\n", output, StringComparison.Ordinal);
        Assert.Contains("apps__web -->|\"retries: 2 attempts, gateway-error; timeout: 5s\"| apps__api", output, StringComparison.Ordinal);
        Assert.Contains("apps__web -.->|\"pending: cache declares no inbound from web\"| apps__cache", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Dot_LabelsEdgesWithPolicies_AndDashesPendingOnes()
    {
        Write("mesh.yaml", OneSided);

        var (exitCode, output, _) = Cli.Run("graph", _scratch.FullName, "--format", "dot");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("digraph lattice {", output, StringComparison.Ordinal);
        Assert.Contains("\"apps/web\" -> \"apps/api\" [label=\"retries: 2 attempts, gateway-error; timeout: 5s\"];", output, StringComparison.Ordinal);
        Assert.Contains("\"apps/web\" -> \"apps/cache\" [style=dashed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_ShowsPendingAgreements_WithTheirFix()
    {
        Write("mesh.yaml", OneSided);

        var (_, output, _) = Cli.Run("graph", _scratch.FullName);

        Assert.Contains("1 pending", output, StringComparison.Ordinal);
        Assert.Matches(@"│ web → cache\s+│ cache declares no inbound from web\s+│ add resources.web \{type: service, direction: inbound\} to apps/cache\s+│", output);
        Assert.Matches(@"│ web\s+│ allowed\s+│ pending\s+│ -\s+│", output);
    }

    [Fact]
    public void RedirectedOutput_HasNoEscapeCodes_AndNoWrappedRows()
    {
        var (_, output, _) = Cli.Run("graph", Cli.MediaServer);

        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
        Assert.All(output.Split('\n').Where(l => l.StartsWith('│')), row => Assert.EndsWith("│", row.TrimEnd(), StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownFormat_IsAUsageError()
    {
        var (exitCode, _, error) = Cli.Run("graph", Cli.MediaServer, "--format", "xml");

        Assert.Equal(2, exitCode);
        Assert.Contains("xml", error, StringComparison.Ordinal);
    }

    public void Dispose() => _scratch.Delete(recursive: true);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_scratch.FullName, name), text);

    private const string OneSided = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: web, namespace: apps}
        spec:
          containers: {main: {image: web:1}}
          service: {ports: {http: {port: 8080}}}
          resources:
            api:
              type: service
              outbound:
                retries: {attempts: 2, retryOn: [gateway-error]}
                timeout: {request: 5s}
            cache: {type: service, direction: outbound}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: api, namespace: apps}
        spec:
          containers: {main: {image: api:1}}
          service: {ports: {http: {port: 8080}}}
          resources:
            web: {type: service, direction: inbound}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: cache, namespace: apps}
        spec:
          containers: {main: {image: cache:1}}
          service: {ports: {redis: {port: 6379}}}
        """;
}
