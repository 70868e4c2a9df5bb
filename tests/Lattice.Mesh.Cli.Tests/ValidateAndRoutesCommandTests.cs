using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Cli.Tests;

public sealed class ValidateAndRoutesCommandTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("lattice-cli-");

    [Fact]
    public void Validate_MediaServer_ExitsZero()
    {
        var (exitCode, output, _) = Cli.Run("validate", Cli.MediaServer);

        Assert.Equal(0, exitCode);
        Assert.Contains("valid: 3 services, 2 agreements, 0 pending", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ListsEveryError_WithFileLineFieldAndFix_AndExitsOne()
    {
        File.WriteAllText(Path.Combine(_scratch.FullName, "bad.yaml"), """
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata: {name: sonarr, namespace: media}
            spec:
              containers: {main: {image: sonarr:1}}
              resources:
                nzbget:
                  type: service
                  outbound:
                    timeout: {request: 10x}
                    retries: {attempts: 3, retryOn: [5xxx]}
            """);

        var (exitCode, _, error) = Cli.Run("validate", _scratch.FullName);

        Assert.Equal(1, exitCode);
        Assert.Contains("bad.yaml:10:", error, StringComparison.Ordinal);
        Assert.Contains("LatticeService media/sonarr: spec.resources.nzbget.outbound.timeout.request:", error, StringComparison.Ordinal);
        Assert.Contains("spec.resources.nzbget.outbound.retries.retryOn[0]:", error, StringComparison.Ordinal);
        Assert.Contains("did you mean '5xx'?", error, StringComparison.Ordinal);
        Assert.Contains("2 error(s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Json_ReportsDiagnosticsForMachines()
    {
        File.WriteAllText(Path.Combine(_scratch.FullName, "bad.yaml"), """
            apiVersion: lattice.dev/v1alpha1
            kind: LatticeService
            metadata: {name: sonarr}
            spec:
              containers: {main: {image: sonarr:1, variables: {PUID: 1000}}}
            """);

        var (exitCode, output, _) = Cli.Run("validate", _scratch.FullName, "--format", "json");

        Assert.Equal(1, exitCode);
        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.False(document.RootElement.GetProperty("valid").GetBoolean());
        var diagnostic = Assert.Single(document.RootElement.GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("LM1011", diagnostic.GetProperty("id").GetString());
        Assert.Equal("spec.containers.main.variables.PUID", diagnostic.GetProperty("field").GetString());
        Assert.Equal(5, diagnostic.GetProperty("line").GetInt32());
        Assert.Contains("quote it", diagnostic.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyFolder_IsAnError_ThatSaysWhatWasRead()
    {
        var (exitCode, _, error) = Cli.Run("validate", _scratch.FullName);

        Assert.Equal(1, exitCode);
        Assert.Contains("LM3004", error, StringComparison.Ordinal);
        Assert.Contains("no LatticeService found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingPath_IsAnError()
    {
        var (exitCode, _, error) = Cli.Run("validate", Path.Combine(_scratch.FullName, "nothing-here"));

        Assert.Equal(1, exitCode);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Routes_PrintsThatSidecarsTable_WhichTheSidecarAccepts()
    {
        var (exitCode, output, _) = Cli.Run("routes", Cli.MediaServer, "--service", "media/sonarr");

        Assert.Equal(0, exitCode);
        var read = RouteTableSerializer.Read(output);
        Assert.True(read.IsValid, string.Join("; ", read.Errors));
        Assert.Equal("media/sonarr", read.Table.Service.ToString());
        Assert.Equal(["media/jellyfin", "media/nzbget"], read.Table.Outbound.Select(d => d.Service));
    }

    [Fact]
    public void Routes_PrintsTheGatewaysTable_WithEveryIngressHost()
    {
        var (exitCode, output, _) = Cli.Run("routes", Cli.MediaServer, "--service", "lattice-system/lattice-gateway");

        Assert.Equal(0, exitCode);
        var read = RouteTableSerializer.Read(output);
        Assert.True(read.IsValid, string.Join("; ", read.Errors));
        Assert.Equal([("jellyfin.home.local", "media/jellyfin"), ("sonarr.home.local", "media/sonarr")], read.Table.Gateway.Select(h => (h.Host, h.Service)));
    }

    [Fact]
    public void Routes_HonoursTheTrustDomain()
    {
        var (_, output, _) = Cli.Run("routes", Cli.MediaServer, "--service", "media/nzbget", "--trust-domain", "home.arpa");

        Assert.Equal("spiffe://home.arpa/ns/media/sa/nzbget", RouteTableSerializer.Read(output).Table?.Service.SpiffeId);
    }

    [Fact]
    public void Routes_UnknownService_ListsTheKnownOnes()
    {
        var (exitCode, output, error) = Cli.Run("routes", Cli.MediaServer, "--service", "media/radarr");

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.Contains("there is no service media/radarr", error, StringComparison.Ordinal);
        Assert.Contains("media/jellyfin, media/nzbget, media/sonarr", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Routes_ServiceWithoutNamespace_IsAUsageError_WithTheFix()
    {
        var (exitCode, _, error) = Cli.Run("routes", Cli.MediaServer, "--service", "sonarr");

        Assert.Equal(2, exitCode);
        Assert.Contains("media/sonarr", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Routes_WithoutService_IsAUsageError()
    {
        var (exitCode, _, error) = Cli.Run("routes", Cli.MediaServer);

        Assert.Equal(2, exitCode);
        Assert.Contains("--service", error, StringComparison.Ordinal);
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
