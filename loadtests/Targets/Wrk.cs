using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Lattice.Mesh.LoadTests.Reporting;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// A cross-check of the engine by a tool people know: Debian's <c>wrk</c> 4.1 (closed model only; it has no rate
/// option, unlike wrk2) against the direct path with as many connections as the closed model's copies, its
/// Requests/sec and <c>--latency</c> percentiles set beside the engine's closed-model direct row in a note.
/// </summary>
internal static partial class Wrk
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Runs wrk against <paramref name="target"/> and returns the report's note on it, or why it was skipped.</summary>
    /// <param name="target">The direct path's address.</param>
    /// <param name="connections">The closed model's copies.</param>
    /// <param name="duration">How long wrk runs.</param>
    /// <param name="engineRow">The engine's closed-model direct row, to compare with.</param>
    /// <param name="log">Progress.</param>
    /// <param name="cancellationToken">Stops wrk.</param>
    public static async Task<string> CrossCheckAsync(Uri target, int connections, TimeSpan duration, ScenarioReport? engineRow, TextWriter log, CancellationToken cancellationToken)
    {
        var (wrk, reason) = await DebianPackages.RequireAsync("wrk", log, cancellationToken);
        if (wrk is null)
        {
            return $"The wrk cross-check was skipped: {reason}.";
        }

        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        string[] arguments = ["-t2", $"-c{connections.ToString(Invariant)}", $"-d{seconds.ToString(Invariant)}s", "--latency", target.ToString()];
        await log.WriteLineAsync($"wrk cross-check: wrk {string.Join(' ', arguments)}");
        string output;
        try
        {
            output = await RunAsync(wrk, arguments, TimeSpan.FromSeconds(seconds + 30), cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"The wrk cross-check was skipped: {exception.Message}.";
        }

        if (Parse(output) is not { } result)
        {
            return $"The wrk cross-check was skipped: its output had no Requests/sec line ({output.Trim().ReplaceLineEndings(" ")}).";
        }

        var percentiles = string.Join(", ", result.LatencyMs.Select(p => string.Create(Invariant, $"p{p.Key} {p.Value:F3} ms")));
        var problems = result.Problems.Count == 0 ? "no errors" : string.Join(", ", result.Problems);
        var comparison = engineRow is null
            ? "there is no closed-model direct row to compare with"
            : string.Create(Invariant, $"the engine's closed-model direct row had {engineRow.Result.Throughput:F0}/s, p50 {engineRow.Result.PercentileMs(50):F3} ms, p90 {engineRow.Result.PercentileMs(90):F3} ms, p99 {engineRow.Result.PercentileMs(99):F3} ms: wrk/engine throughput {(engineRow.Result.Throughput > 0 ? (result.RequestsPerSecond / engineRow.Result.Throughput).ToString("F2", Invariant) : "–")}");
        return string.Create(Invariant, $"wrk cross-check (Debian's {result.Version}, `wrk {string.Join(' ', arguments[..4])}` against the direct path, run after the engine's runs): {result.RequestsPerSecond:F0} requests/s, {percentiles}, {problems}; {comparison}.");
    }

    /// <summary>What wrk printed, or null without a Requests/sec line.</summary>
    internal static WrkResult? Parse(string output)
    {
        var rate = RequestsPerSecondLine().Match(output);
        if (!rate.Success)
        {
            return null;
        }

        var latency = new SortedDictionary<int, double>();
        foreach (Match line in PercentileLine().Matches(output))
        {
            latency[int.Parse(line.Groups["p"].Value, Invariant)] = Milliseconds(line.Groups["value"].Value, line.Groups["unit"].Value);
        }

        var problems = new List<string>();
        if (SocketErrorsLine().Match(output) is { Success: true } errors)
        {
            problems.Add($"socket errors: {errors.Groups["errors"].Value.Trim()}");
        }

        if (Non2xxLine().Match(output) is { Success: true } non2xx)
        {
            problems.Add($"{non2xx.Groups["count"].Value} non-2xx/3xx answers");
        }

        var version = VersionLine().Match(output);
        return new WrkResult(
            double.Parse(rate.Groups["rate"].Value, Invariant),
            latency,
            problems,
            version.Success ? $"wrk {version.Groups["version"].Value}" : "wrk");
    }

    private static double Milliseconds(string value, string unit) => double.Parse(value, Invariant) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => double.NaN,
    };

    private static async Task<string> RunAsync(string wrk, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // wrk -v prints its version (and usage) and exits 1: the version goes into the note.
        var version = await OutputOfAsync(new ProcessStartInfo(wrk, "-v") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false }, timeout, cancellationToken);
        var output = await OutputOfAsync(start, timeout, cancellationToken);
        return version.Split('\n')[0] + "\n" + output;
    }

    private static async Task<string> OutputOfAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var errors = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            return await output + await errors;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{start.FileName} did not finish within {timeout.TotalSeconds:F0} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [GeneratedRegex(@"^Requests/sec:\s+(?<rate>[0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"^\s+(?<p>\d+)%\s+(?<value>[0-9.]+)(?<unit>us|ms|s|m|h)\s*$", RegexOptions.Multiline)]
    private static partial Regex PercentileLine();

    [GeneratedRegex(@"^\s*Socket errors:(?<errors>.*)$", RegexOptions.Multiline)]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"^\s*Non-2xx or 3xx responses:\s+(?<count>\d+)", RegexOptions.Multiline)]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"^wrk (?<version>\S+)", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
