using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// The gateway as its own process, <c>dotnet lattice-proxy.dll gateway ...</c> (the program beside the test binaries),
/// as <c>lattice-mesh up</c> and the cluster run it, so that its memory is its own: <see cref="PeakResidentBytes"/>
/// is the kernel's high-water mark of its resident set (VmHWM), and <see cref="ResetPeak"/> starts a new one.
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors;

    private GatewayProcess(Process process, StringBuilder errors)
    {
        _process = process;
        _errors = errors;
    }

    /// <summary>The port of its HTTPS listener, as it printed it.</summary>
    public int HttpsPort { get; private set; }

    /// <summary>The largest resident set the process has had since it started or since <see cref="ResetPeak"/> (VmHWM).</summary>
    public long PeakResidentBytes => Status("VmHWM");

    /// <summary>The process's resident set now (VmRSS).</summary>
    public long ResidentBytes => Status("VmRSS");

    /// <summary>What the process wrote to stderr so far, for a failure message.</summary>
    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>lattice-proxy gateway</c> with <paramref name="arguments"/> (and its parent, this process) and
    /// <paramref name="environment"/> added to this process's, and waits until it says where it listens.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"));
        start.ArgumentList.Add("gateway");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--ParentProcessId={Environment.ProcessId}"));
        var process = Process.Start(start) ?? throw new InvalidOperationException("lattice-proxy gateway did not start");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var gateway = new GatewayProcess(process, errors);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (Listening().Match(line) is { Success: true } match)
                {
                    // Keep draining its output so that it never blocks on a full pipe.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    gateway.HttpsPort = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
                    return gateway;
                }
            }
        }
        catch (OperationCanceledException)
        {
            await gateway.DisposeAsync();
            throw new TimeoutException($"lattice-proxy gateway did not say where it listens within a minute: {gateway.Errors}");
        }

        await gateway.DisposeAsync();
        throw new InvalidOperationException($"lattice-proxy gateway exited before it listened: {gateway.Errors}");
    }

    /// <summary>Resets the high-water mark to the resident set now (writing 5 to /proc/&lt;pid&gt;/clear_refs).</summary>
    public void ResetPeak() => File.WriteAllText($"/proc/{_process.Id}/clear_refs", "5");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private long Status(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                // "VmHWM:	  123456 kB"
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{_process.Id}/status has no {field}");
    }

    [GeneratedRegex(@"^Gateway listening: .*\bhttps https://[^:/]+:(?<port>\d+)")]
    private static partial Regex Listening();
}
