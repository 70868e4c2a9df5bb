using System.Net.Sockets;
using k8s.Autorest;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>Waits for a condition by probing it until a deadline: every probe has its own time limit, so a listener that never answers cannot stall the wait.</summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Probes until <paramref name="probe"/> returns true (then true), <paramref name="process"/> exits (then false),
    /// or <paramref name="deadline"/> is cancelled (then a <see cref="TimeoutException"/> naming <paramref name="what"/> and the last probe error).
    /// </summary>
    public static async Task<bool> UntilAsync(
        string what,
        Func<CancellationToken, Task<bool>> probe,
        ControlPlaneProcess? process,
        CancellationToken deadline,
        TimeSpan? probeTimeout = null)
    {
        var lastError = "the probe answered 'not yet'";
        while (true)
        {
            if (process is { HasExited: true })
            {
                return false;
            }

            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(deadline))
            {
                attempt.CancelAfter(probeTimeout ?? DefaultProbeTimeout);
                try
                {
                    if (await probe(attempt.Token))
                    {
                        return true;
                    }

                    lastError = "the probe answered 'not yet'";
                }
                catch (Exception e) when (!deadline.IsCancellationRequested && IsTransient(e))
                {
                    lastError = $"{e.GetType().Name}: {e.Message}";
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    throw TimedOut(what, lastError);
                }
            }

            try
            {
                await Task.Delay(Interval, deadline);
            }
            catch (OperationCanceledException)
            {
                throw TimedOut(what, lastError);
            }
        }
    }

    private static TimeoutException TimedOut(string what, string lastError) =>
        new($"{what}: not ready before the deadline; last probe: {lastError}");

    /// <summary>What a server that is still starting answers with: refused connections, resets, timeouts, 404s and 5xx.</summary>
    private static bool IsTransient(Exception e) =>
        e is HttpRequestException or IOException or SocketException or OperationCanceledException or HttpOperationException;
}
