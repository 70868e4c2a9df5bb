using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lattice.Mesh.Cli.LocalMesh;

/// <summary>One real lattice-proxy process; it reads its listening addresses from the proxy's own start-up line.</summary>
internal sealed partial class SidecarProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SidecarProcess(Process process, Uri outbound, Uri inbound, Uri admin)
    {
        _process = process;
        Outbound = outbound;
        Inbound = inbound;
        Admin = admin;
    }

    public Uri Outbound { get; }

    public Uri Inbound { get; }

    public Uri Admin { get; }

    public static async Task<SidecarProcess> StartAsync(IEnumerable<string> arguments, TextWriter log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("lattice-proxy did not start");
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None).ContinueWith(t => log.Write(t.Result), TaskScheduler.Default);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (Listening().Match(line) is { Success: true } match)
                {
                    // Keep draining its output so the process never blocks on a full pipe.
                    _ = DrainAsync(process);
                    return new SidecarProcess(process, new Uri(match.Groups["out"].Value), new Uri(match.Groups["in"].Value), new Uri(match.Groups["admin"].Value));
                }
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("lattice-proxy did not say where it listens within a minute");
        }

        throw new InvalidOperationException($"lattice-proxy exited with code {process.ExitCode} before it listened");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task DrainAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is not null)
        {
        }
    }

    [GeneratedRegex(@"listening: outbound (?<out>\S+), inbound (?<in>\S+), admin (?<admin>\S+?)/?$")]
    private static partial Regex Listening();
}
