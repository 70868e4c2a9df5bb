using System.Diagnostics;

namespace Lattice.Mesh.Proxy.Tests.Capture;

/// <summary>Runs a command of the host to its end, with a deadline, and keeps what it wrote.</summary>
internal static class HostCommand
{
    public static async Task<HostCommandResult> RunAsync(string command, IEnumerable<string> arguments, TimeSpan? within = null)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(within ?? TimeSpan.FromMinutes(1));
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }

        return new HostCommandResult(process.ExitCode, await output, await error, $"{command} {string.Join(' ', start.ArgumentList)}");
    }

    /// <summary>Runs the command and fails the test, with everything it wrote, unless it succeeds.</summary>
    public static async Task<string> SucceedAsync(string command, params string[] arguments)
    {
        var result = await RunAsync(command, arguments);
        Assert.True(result.ExitCode == 0, $"{result.CommandLine} exited {result.ExitCode}:\n{result.Error}\n{result.Output}");
        return result.Output;
    }
}
