using System.Diagnostics;

namespace Lattice.Mesh.Cli.Tests;

/// <summary>The built lattice-mesh program itself, as a user runs it.</summary>
public sealed class ExecutableTests
{
    [Fact]
    public async Task Graph_RunsAsAProgram_AndExitsZero()
    {
        var (exitCode, output) = await RunAsync("graph", Cli.MediaServer, "--format", "mermaid");

        Assert.Equal(0, exitCode);
        Assert.Contains("media__sonarr -->", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RunsAsAProgram_AndExitsOneOnBadInput()
    {
        var (exitCode, _) = await RunAsync("validate", Path.Combine(Cli.Root, "README.md"));

        Assert.Equal(1, exitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-mesh.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(deadline.Token);
        _ = await error;
        return (process.ExitCode, await output);
    }
}
