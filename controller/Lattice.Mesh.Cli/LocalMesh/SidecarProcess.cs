using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lattice.Mesh.Cli.LocalMesh;

/// <summary>
/// One real lattice-proxy process, in any of its roles (a sidecar, the gateway); it learns where the process listens
/// from the process's own start-up line, matched by <c>listening</c>, whose named groups become <see cref="Addresses"/>.
/// </summary>
internal sealed partial class SidecarProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SidecarProcess(Process process, IReadOnlyDictionary<string, Uri> addresses)
    {
        _process = process;
        Addresses = addresses;
    }

    public IReadOnlyDictionary<string, Uri> Addresses { get; }

    public Uri Outbound => Addresses["out"];

    public Uri Inbound => Addresses["in"];

    public Uri Admin => Addresses["admin"];

    /// <summary>The process's id, for reading its CPU time and memory from /proc.</summary>
    public int ProcessId => _process.Id;

    /// <summary>A sidecar: its outbound, inbound and admin listeners.</summary>
    public static Task<SidecarProcess> StartAsync(IEnumerable<string> arguments, TextWriter log, CancellationToken cancellationToken) =>
        StartAsync(arguments, SidecarListening(), log, cancellationToken);

    /// <summary>The gateway (<c>lattice-proxy gateway</c>): its HTTP and HTTPS listeners, as "http" and "https".</summary>
    public static Task<SidecarProcess> StartGatewayAsync(IEnumerable<string> arguments, TextWriter log, CancellationToken cancellationToken) =>
        StartAsync(["gateway", .. arguments], GatewayListening(), log, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<SidecarProcess> StartAsync(IEnumerable<string> arguments, Regex listening, TextWriter log, CancellationToken cancellationToken)
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
                if (listening.Match(line) is { Success: true } match)
                {
                    // Keep draining its output so the process never blocks on a full pipe.
                    _ = DrainAsync(process);
                    var addresses = listening.GetGroupNames().Where(name => !int.TryParse(name, out _)).ToDictionary(name => name, name => new Uri(match.Groups[name].Value), StringComparer.Ordinal);
                    return new SidecarProcess(process, addresses);
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

    private static async Task DrainAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync() is not null)
        {
        }
    }

    [GeneratedRegex(@"listening: outbound (?<out>\S+), inbound (?<in>\S+), admin (?<admin>\S+?)/?$")]
    private static partial Regex SidecarListening();

    [GeneratedRegex(@"^Gateway listening: http (?<http>\S+?)/?, https (?<https>\S+?)/?, status (?<status>\S+?)/?$")]
    private static partial Regex GatewayListening();
}
