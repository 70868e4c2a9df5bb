using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Lattice.Mesh.Proxy.Capture;

namespace Lattice.Mesh.Proxy.Admin;

/// <summary>
/// <c>lattice-proxy wait</c>: the app container's postStart hook on clusters without native sidecars. Polls the
/// proxy's <c>/readyz</c> until it answers 200, so the app starts only once its traffic has somewhere to go (as
/// Istio's holdApplicationUntilProxyStarts). Exit codes: 0 ready, 1 not ready in time, 2 bad flags.
/// </summary>
public static partial class WaitCommand
{
    public const int Ready = 0;
    public const int NotReady = 1;
    public const int BadFlags = 2;

    public const string Usage =
        "Usage: lattice-proxy wait [--admin=http://127.0.0.1:15000] [--timeout=60s]\n" +
        "Waits until the proxy's admin /readyz answers 200 (exit 0), or the timeout passes (exit 1).\n" +
        "  --admin     the proxy's admin listener (default http://127.0.0.1:15000)\n" +
        "  --timeout   how long to wait: 500ms, 60s, 2m or 1h; a bare number is seconds (default 60s)";

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(500);

    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (arguments.Any(a => a is "--help" or "-h"))
        {
            await output.WriteLineAsync(Usage);
            return Ready;
        }

        var flags = CommandFlags.Parse(arguments, ["admin", "timeout"], []);
        var errors = flags.Errors;
        var adminText = flags.Value("admin") ?? "http://127.0.0.1:15000";
        if (!Uri.TryCreate(adminText, UriKind.Absolute, out var admin) || admin.Scheme is not ("http" or "https"))
        {
            errors.Add($"--admin={adminText} is not an http URL; give the proxy's admin listener, e.g. --admin=http://127.0.0.1:15000");
        }

        var timeoutText = flags.Value("timeout") ?? "60s";
        var timeout = ParseDuration(timeoutText);
        if (timeout is null)
        {
            errors.Add($"--timeout={timeoutText} is not a duration; write 500ms, 60s, 2m or 1h (a bare number is seconds)");
        }

        if (errors.Count > 0)
        {
            foreach (var problem in errors)
            {
                await error.WriteLineAsync($"lattice-proxy wait: {problem}");
            }

            await error.WriteLineAsync(Usage);
            return BadFlags;
        }

        var readyz = new Uri(admin!, "/readyz");
        // No proxy: with lattice.dev/capture: proxy-env the app's HTTP_PROXY names the sidecar itself.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var started = TimeProvider.System.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(50);
        var last = "no answer yet";
        while (true)
        {
            var remaining = timeout!.Value - TimeProvider.System.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                await error.WriteLineAsync($"lattice-proxy wait: the proxy at {readyz} was not ready within {timeoutText}; its last answer: {last}. Its log says why: kubectl logs <pod> -c lattice-proxy.");
                return NotReady;
            }

            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attempt.CancelAfter(remaining < AttemptTimeout ? remaining : AttemptTimeout);
                try
                {
                    using var response = await client.GetAsync(readyz, HttpCompletionOption.ResponseContentRead, attempt.Token);
                    var body = OneLine(await response.Content.ReadAsStringAsync(attempt.Token));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var elapsed = TimeProvider.System.GetElapsedTime(started);
                        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"lattice-proxy wait: the proxy is ready after {elapsed.TotalSeconds:0.0}s ({body})"));
                        return Ready;
                    }

                    last = $"{(int)response.StatusCode} {body}";
                }
                catch (HttpRequestException e)
                {
                    last = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Cut short by the overall deadline: the answer before it says more than this one.
                    if (remaining >= AttemptTimeout || last == "no answer yet")
                    {
                        last = string.Create(CultureInfo.InvariantCulture, $"no answer within {Math.Min(remaining.TotalSeconds, AttemptTimeout.TotalSeconds):0.0}s");
                    }
                }
                catch (OperationCanceledException)
                {
                    await error.WriteLineAsync($"lattice-proxy wait: stopped before the proxy at {readyz} was ready; its last answer: {last}");
                    return NotReady;
                }
            }

            remaining = timeout.Value - TimeProvider.System.GetElapsedTime(started);
            try
            {
                if (remaining > TimeSpan.Zero)
                {
                    await Task.Delay(pause < remaining ? pause : remaining, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                await error.WriteLineAsync($"lattice-proxy wait: stopped before the proxy at {readyz} was ready; its last answer: {last}");
                return NotReady;
            }

            pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
        }
    }

    /// <summary>500ms, 60s, 2m, 1h, or a bare number of seconds; null when not a positive duration.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        var match = Duration().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || amount > 1_000_000_000)
        {
            return null;
        }

        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "" or "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.FromHours(amount),
        };
    }

    private static string OneLine(string text)
    {
        var line = string.Join(" ", text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    [GeneratedRegex("^([0-9]+)(ms|s|m|h)?$")]
    private static partial Regex Duration();
}
