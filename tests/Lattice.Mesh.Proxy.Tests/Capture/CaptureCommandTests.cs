using Lattice.Mesh.Proxy.Capture;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>The capture command without a network namespace: what it prints, and its exit codes.</summary>
public sealed class CaptureCommandTests
{
    [Fact]
    public async Task DryRun_PrintsTheRules_ChangesNothing_AndExits0()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CaptureCommand.RunAsync(["--dry-run", "--proxy-uid=1337", "--inbound-ports=8989", "--exclude-outbound-ports=5432"], output, error, Ct);

        Assert.Equal(CaptureCommand.Applied, exit);
        Assert.Equal(CaptureRules.Build(new CaptureOptions { ProxyUid = 1337, InboundPorts = [8989], ExcludeOutboundPorts = [5432] }), output.ToString());
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task BadFlags_Exit2_WithEachErrorAndTheUsage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CaptureCommand.RunAsync(["--apply", "--inbound-ports=http"], output, error, Ct);

        Assert.Equal(CaptureCommand.BadFlags, exit);
        Assert.Contains("lattice-proxy capture: --proxy-uid is required", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("lattice-proxy capture: --inbound-ports: 'http' is not a port", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Usage: lattice-proxy capture", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task Help_PrintsTheUsage_AndExits0()
    {
        using var output = new StringWriter();

        var exit = await CaptureCommand.RunAsync(["--help"], output, TextWriter.Null, Ct);

        Assert.Equal(0, exit);
        Assert.Contains("--exclude-outbound-ports", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheProgram_RunsCapture_AsItsFirstArgument()
    {
        var result = await HostCommand.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"), "capture", "--dry-run", "--proxy-uid=1337", "--inbound-ports=8989"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(CaptureRules.Build(new CaptureOptions { ProxyUid = 1337, InboundPorts = [8989] }), result.Output);
    }
}
