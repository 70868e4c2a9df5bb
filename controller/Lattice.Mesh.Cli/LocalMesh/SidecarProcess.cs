using System.Diagnostics;
using Lattice.Mesh.Authority;
using Lattice.Mesh.RouteTable;
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

    /// <summary>The environment variable that names another lattice-proxy executable to run (empty: the one beside this program).</summary>
    public const string ProxyVariable = "LATTICE_PROXY";

    /// <summary>The process's id, for reading its CPU time and memory from /proc.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// The arguments for the files every lattice-proxy role keeps in <paramref name="folder"/>: its route table, its
    /// certificate, key and trust bundle, and this process as its parent (it exits when this one does).
    /// </summary>
    public static IEnumerable<string> FileArguments(string folder) =>
    [
        $"--RouteTable={Path.Combine(folder, "routes.json")}", $"--Certificate={Path.Combine(folder, WorkloadCertificate.CertificateFile)}",
        $"--Key={Path.Combine(folder, WorkloadCertificate.KeyFile)}", $"--TrustBundle={Path.Combine(folder, WorkloadCertificate.TrustBundleFile)}",
        $"--ParentProcessId={Environment.ProcessId}",
    ];

    /// <summary>
    /// Writes into <paramref name="folder"/> what a proxy fed by <paramref name="controller"/> starts from, the trust
    /// bundle and its bootstrap token (owner-only), never a key: it makes its own and asks the controller to certify
    /// it. Returns <see cref="FileArguments"/> with the controller arguments.
    /// </summary>
    public static IEnumerable<string> BootstrapArguments(string folder, string trustBundlePem, string token, Uri controller, string instance)
    {
        AtomicFile.Replace(Path.Combine(folder, WorkloadCertificate.TrustBundleFile), trustBundlePem);
        AtomicFile.Replace(Path.Combine(folder, "bootstrap-token"), token, secret: true);
        return [.. FileArguments(folder), $"--BootstrapToken={Path.Combine(folder, "bootstrap-token")}", $"--Controller={controller}", $"--Instance={instance}"];
    }

    /// <summary>
    /// Polls each readiness <c>probe</c> (a sidecar's <c>/readyz</c>, the gateway's <c>/healthz/ready</c>) until it
    /// answers 200, within a minute for all of them; a timeout names what is not ready and what its probe said.
    /// </summary>
    public static async Task WaitUntilReadyAsync(IEnumerable<(string What, Uri Probe)> probes, CancellationToken cancellationToken)
    {
        using var client = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        foreach (var (what, probe) in probes)
        {
            while (true)
            {
                using var response = await client.GetAsync(probe, cancellationToken);
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{what} is not ready: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
    }

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
        var start = StartInfo(Environment.GetEnvironmentVariable(ProxyVariable));
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

    /// <summary>
    /// How to run lattice-proxy: the executable <paramref name="chosen"/> names (the value of <see cref="ProxyVariable"/>:
    /// a Native AOT publish, say), or else <c>dotnet</c> with the lattice-proxy.dll beside this program.
    /// </summary>
    internal static ProcessStartInfo StartInfo(string? chosen)
    {
        var native = !string.IsNullOrEmpty(chosen);
        if (native && !File.Exists(chosen))
        {
            throw new FileNotFoundException($"{ProxyVariable} names {chosen}, which does not exist: publish lattice-proxy there (README: Performance), or unset {ProxyVariable} to run the lattice-proxy.dll beside this program", chosen);
        }

        var start = new ProcessStartInfo(native ? Path.GetFullPath(chosen!) : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!native)
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"));
        }

        return start;
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
