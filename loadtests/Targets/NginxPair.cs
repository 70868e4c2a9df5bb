using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lattice.Mesh.Authority;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// The same path as the sidecar pair through a proxy people know: two chained Debian nginx, set up by the tool in a
/// temporary prefix. nginx A listens plain HTTP on 127.0.0.1 (where the app's sidecar would) and proxies over HTTPS to
/// nginx B, presenting a client certificate and verifying B's against the mesh CA; B requires that client certificate
/// (<c>ssl_verify_client on</c>) and proxies to the <see cref="LoopbackBackend"/>. Both keep upstream connections alive
/// (HTTP/1.1, as nginx speaks to upstreams), and A reuses TLS sessions. Certificates come from a fresh
/// <see cref="MeshCertificateAuthority"/>, as the sidecars' do.
/// <para>
/// Each nginx runs in the foreground (<c>daemon off</c>) as the current user, with <c>worker_processes auto</c>: one
/// worker per core, as each sidecar may use every core. Its pid file, error log and temp folders are in the prefix,
/// so nothing touches /etc/nginx or /var/lib/nginx; access logs are off. A watchdog ends both if this program dies
/// without disposing them.
/// </para>
/// </summary>
internal sealed class NginxPair : IAsyncDisposable
{
    /// <summary>The name B's certificate carries and A verifies (<c>proxy_ssl_name</c>).</summary>
    public const string UpstreamName = "nginx-b.load.svc";

    private static readonly string[] Instances = ["a", "b"];
    private readonly DirectoryInfo _prefix;
    private readonly List<Process> _processes;

    private NginxPair(DirectoryInfo prefix, List<Process> processes, Uri address, string version)
    {
        _prefix = prefix;
        _processes = processes;
        Address = address;
        Version = version;
    }

    /// <summary>nginx A, where a client sends plain HTTP.</summary>
    public Uri Address { get; }

    /// <summary>Such as <c>nginx/1.22.1</c>.</summary>
    public string Version { get; }

    /// <summary>
    /// Starts the pair in front of <paramref name="backend"/> and adds a note on it to <paramref name="notes"/>; where
    /// nginx cannot be installed or does not start, returns null and the note says why.
    /// </summary>
    public static async Task<NginxPair?> StartOrSkipAsync(LoopbackBackend backend, IList<string> notes, TextWriter log, CancellationToken cancellationToken)
    {
        var (nginx, reason) = await DebianPackages.RequireAsync("nginx", log, cancellationToken);
        if (nginx is null)
        {
            notes.Add($"The nginx-pair path was skipped: {reason}.");
            return null;
        }

        try
        {
            var pair = await StartAsync(nginx, backend, log, cancellationToken);
            var workers = pair.Meters().Count - 2;
            notes.Add($"nginx-pair: Debian's {pair.Version}, two instances chained with mutual TLS (certificates from a fresh mesh CA, upstream keep-alive, TLS session reuse), each with `worker_processes auto` ({workers / 2} workers on {Environment.ProcessorCount} cores), as fair against the sidecars, which may each use every core. Its proxy CPU is that of both masters and all workers; its peak RSS, like the sidecars', is the largest single process (a worker).");
            return pair;
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            await log.WriteLineAsync($"nginx-pair skipped: {exception.Message}");
            notes.Add($"The nginx-pair path was skipped: nginx did not start ({exception.Message}).");
            return null;
        }
    }

    /// <summary>Meters for both masters and all their workers, read from /proc now (the workers exist once nginx answers).</summary>
    public IReadOnlyList<ProcessMeter> Meters()
    {
        var masters = _processes.Skip(1).Select(p => p.Id).ToHashSet();
        return [.. masters.Concat(ChildrenOf(masters)).Select(id => new ProcessMeter(id))];
    }

    public async ValueTask DisposeAsync()
    {
        // The masters first: the watchdog would otherwise outlive them only to signal nothing.
        foreach (var process in _processes.AsEnumerable().Reverse())
        {
            await StopAsync(process);
        }

        _prefix.Delete(recursive: true);
    }

    private static async Task<NginxPair> StartAsync(string nginx, LoopbackBackend backend, TextWriter log, CancellationToken cancellationToken)
    {
        var prefix = Directory.CreateTempSubdirectory("lattice-loadtest-nginx-");
        var processes = new List<Process>();
        try
        {
            using (var authority = MeshCertificateAuthority.Create())
            {
                foreach (var name in Instances)
                {
                    using var issued = authority.IssueWorkload(
                        SpiffeId.For(SpiffeId.DefaultTrustDomain, "load", $"nginx-{name}"),
                        TimeSpan.FromHours(24),
                        name == "b" ? [UpstreamName] : [$"nginx-{name}.load.svc"]);
                    issued.WriteFiles(Path.Combine(prefix.FullName, name));
                    Directory.CreateDirectory(Path.Combine(prefix.FullName, $"{name}-temp"));
                }
            }

            // nginx needs concrete ports in its configuration: ask the system for free ones and release them. Another
            // program could take one in between; acceptable in a load-test tool, and nginx then fails loudly.
            var portA = FreePort();
            var portB = FreePort();
            await File.WriteAllTextAsync(Path.Combine(prefix.FullName, "b.conf"), Config("b", NginxConfig.ServerB(prefix.FullName, portB, backend.Port)), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(prefix.FullName, "a.conf"), Config("a", NginxConfig.ServerA(prefix.FullName, portA, portB)), cancellationToken);

            var version = await VersionAsync(nginx, cancellationToken);
            processes.Add(Watchdog(prefix.FullName));
            processes.Add(Start(nginx, prefix.FullName, "b", log));
            processes.Add(Start(nginx, prefix.FullName, "a", log));
            var address = new Uri($"http://127.0.0.1:{portA}/");
            await WaitUntilAnsweringAsync(address, processes, prefix.FullName, cancellationToken);
            return new NginxPair(prefix, processes, address, version);
        }
        catch
        {
            foreach (var process in processes.AsEnumerable().Reverse())
            {
                await StopAsync(process);
            }

            prefix.Delete(recursive: true);
            throw;
        }

        string Config(string name, string server) => NginxConfig.Instance(prefix.FullName, name, Environment.UserName, Environment.IsPrivilegedProcess, server);
    }

    private static Process Start(string nginx, string prefix, string name, TextWriter log)
    {
        // -e: the error log from the first line on (before the config is read, nginx would open /var/log/nginx's).
        var start = new ProcessStartInfo(nginx) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-p", prefix, "-e", Path.Combine(prefix, $"{name}-error.log"), "-c", Path.Combine(prefix, $"{name}.conf") })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"nginx {name} did not start");
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None).ContinueWith(t => log.Write(t.Result), TaskScheduler.Default);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None).ContinueWith(t => log.Write(t.Result), TaskScheduler.Default);
        return process;
    }

    /// <summary>
    /// Ends both nginx when this program ends without disposing them (killed, crashed): <c>tail --pid</c> returns when
    /// this process is gone, then the masters' pid files are signalled (TERM: fast shutdown, workers included). TERM
    /// ends the watchdog itself, which reaps its <c>tail</c> first so that nothing is left for pid 1 to reap.
    /// </summary>
    private static Process Watchdog(string prefix)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""
            t=""
            trap 'kill $t 2>/dev/null; wait $t; exit 0' TERM
            tail --pid="$1" -f /dev/null 2>/dev/null & t=$!
            wait $t
            for f in "$2"/a.pid "$2"/b.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")"; done
            rm -rf "$2"
            """);
        start.ArgumentList.Add("lattice-loadtest-nginx-watchdog");
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(prefix);
        return Process.Start(start) ?? throw new InvalidOperationException("the nginx watchdog (sh) did not start");
    }

    private static async Task WaitUntilAnsweringAsync(Uri address, List<Process> processes, string prefix, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        string last = "no answer yet";
        try
        {
            while (true)
            {
                if (processes.Skip(1).FirstOrDefault(p => p.HasExited) is { } exited)
                {
                    throw new InvalidOperationException($"nginx exited with code {exited.ExitCode}: {ErrorLogTail(prefix)}");
                }

                try
                {
                    // Through A and B to the app: 200 means both listen and the mutual TLS between them holds.
                    using var response = await client.GetAsync(address, deadline.Token);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }

                    last = $"status {(int)response.StatusCode}";
                }
                catch (HttpRequestException exception)
                {
                    last = exception.Message;
                }
                catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
                {
                    last = "no answer within the request's 5 s";
                }

                // Polling nginx while it starts; the deadline bounds it.
                await Task.Delay(50, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"nginx did not answer 200 through the pair within 30 s ({last}): {ErrorLogTail(prefix)}");
        }
    }

    /// <summary>
    /// Stops one process with TERM: an nginx master shuts down fast and reaps its own workers, the watchdog reaps its
    /// <c>tail</c>. Only if it has not exited within 10 s is its whole tree killed. (Killing a master outright would
    /// leave its workers to be reaped by whatever runs as pid 1, which in a container may never do it.)
    /// </summary>
    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }

                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Not stopped in time, or no kill command: killed below.
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    private static async Task<string> VersionAsync(string nginx, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(nginx, "-v") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new InvalidOperationException("nginx -v did not start");
        var said = await process.StandardError.ReadToEndAsync(cancellationToken) + await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var marker = said.IndexOf("nginx/", StringComparison.Ordinal);
        return marker < 0 ? "nginx" : said[marker..].Split(' ', '\n')[0].Trim();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The processes whose parent is one of <paramref name="parents"/>, from /proc/&lt;pid&gt;/stat.</summary>
    private static IEnumerable<int> ChildrenOf(HashSet<int> parents)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile
            }

            // "pid (comm) state ppid ...": comm may hold spaces, so count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) && parents.Contains(parent))
            {
                yield return id;
            }
        }
    }

    private static string ErrorLogTail(string prefix)
    {
        var lines = Instances
            .Select(name => Path.Combine(prefix, $"{name}-error.log"))
            .Where(File.Exists)
            .SelectMany(path => File.ReadLines(path).TakeLast(3).Select(line => $"{Path.GetFileName(path)}: {line}"))
            .ToList();
        return lines.Count == 0 ? "nothing in its error logs" : string.Join(" | ", lines);
    }
}
