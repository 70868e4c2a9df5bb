using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Lattice.Mesh.LoadTests.Engine;

/// <summary>
/// The hand-written engine behind <see cref="ILoadEngine"/> (no NBomber in this project's NuGet copy): latencies in a
/// <see cref="LongConcurrentHistogram"/> (microseconds, 3 significant digits, up to a minute).
/// <para>
/// Open model (<see cref="ConstantRate"/>): request <c>i</c> is due at <c>start + i / rate</c>. A dispatcher thread
/// starts each request when it is due, without waiting for answers; each latency is measured
/// from its due time, not from when it actually went, which is wrk2's correction for coordinated omission: if the
/// system under test stalls, the requests that should have gone during the stall are charged the wait. More than
/// <see cref="MaxInFlight"/> unanswered requests count as failures of kind <c>client overloaded</c> instead of
/// piling up without bound.
/// </para>
/// <para>Closed model (<see cref="ConstantConcurrency"/>): each copy loops, timing each step from its own start.</para>
/// </summary>
public sealed partial class HdrLoadEngine : ILoadEngine
{
    private const long HighestTrackableMicroseconds = 60_000_000;

    /// <summary>How many requests may be unanswered at once in the open model.</summary>
    public int MaxInFlight { get; init; } = 10_000;

    /// <summary>How long, after the last request is sent, unanswered ones are waited for before they count as <c>no answer</c>.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<ScenarioResult> RunAsync(Scenario scenario, LoadSimulation simulation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(simulation);
        var recording = new Recording();
        var started = Stopwatch.GetTimestamp();
        switch (simulation)
        {
            case ConstantRate rate:
                await RunOpenAsync(scenario, rate, recording, cancellationToken);
                break;
            case ConstantConcurrency closed:
                await RunClosedAsync(scenario, closed, recording, cancellationToken);
                break;
            default:
                throw new ArgumentException($"{simulation.GetType().Name} is not a simulation this engine runs; use ConstantRate or ConstantConcurrency", nameof(simulation));
        }

        return recording.Result(scenario.Name, simulation.Label, Stopwatch.GetElapsedTime(started));
    }

    private async Task RunOpenAsync(Scenario scenario, ConstantRate rate, Recording recording, CancellationToken cancellationToken)
    {
        if (rate.RequestsPerSecond <= 0)
        {
            throw new ArgumentException($"a rate of {rate.RequestsPerSecond}/s sends nothing; use 1 or more", nameof(rate));
        }

        var ticksPerRequest = Stopwatch.Frequency / (double)rate.RequestsPerSecond;
        var total = (long)(rate.During.TotalSeconds * rate.RequestsPerSecond);
        var inFlight = 0;
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatching = 1;

        // The dispatcher has a thread of its own: a timer's millisecond granularity would send requests up to a
        // millisecond late, and that lateness (charged to every path alike) would drown a sub-millisecond overhead.
        // It never spins (on two cores a spinning sender takes the processor the proxies need): it sleeps with
        // microsecond resolution (usleep, within the kernel's 50 µs timer slack) until the next request is due.
        await Task.Factory.StartNew(
            () =>
            {
                var start = Stopwatch.GetTimestamp();
                for (long sent = 0; sent < total && !cancellationToken.IsCancellationRequested;)
                {
                    var now = Stopwatch.GetTimestamp();
                    var intended = start + (long)(sent * ticksPerRequest);
                    if (intended > now)
                    {
                        Sleep(Stopwatch.GetElapsedTime(now, intended));
                        continue;
                    }

                    recording.Late(now - intended);
                    sent++;
                    if (Volatile.Read(ref inFlight) >= MaxInFlight)
                    {
                        recording.Fail("client overloaded");
                        continue;
                    }

                    Interlocked.Increment(ref inFlight);
                    _ = SendAsync(intended);
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        Volatile.Write(ref dispatching, 0);
        if (Volatile.Read(ref inFlight) == 0)
        {
            drained.TrySetResult();
        }

        if (await Task.WhenAny(drained.Task, Task.Delay(DrainTimeout, cancellationToken)) != drained.Task)
        {
            recording.Fail("no answer", Volatile.Read(ref inFlight));
        }

        async Task SendAsync(long intended)
        {
            try
            {
                recording.Record(intended, await scenario.Step(cancellationToken));
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                recording.Fail(exception.GetType().Name);
            }
            finally
            {
                if (Interlocked.Decrement(ref inFlight) == 0 && Volatile.Read(ref dispatching) == 0)
                {
                    drained.TrySetResult();
                }
            }
        }
    }

    private static async Task RunClosedAsync(Scenario scenario, ConstantConcurrency closed, Recording recording, CancellationToken cancellationToken)
    {
        if (closed.Copies <= 0)
        {
            throw new ArgumentException($"{closed.Copies} copies send nothing; use 1 or more", nameof(closed));
        }

        var end = Stopwatch.GetTimestamp() + (long)(closed.During.TotalSeconds * Stopwatch.Frequency);
        var copies = Enumerable.Range(0, closed.Copies).Select(_ => Task.Run(
            async () =>
            {
                while (Stopwatch.GetTimestamp() < end && !cancellationToken.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        recording.Record(started, await scenario.Step(cancellationToken));
                    }
                    catch (Exception exception) when (exception is not OutOfMemoryException)
                    {
                        recording.Fail(exception.GetType().Name);
                    }
                }
            },
            cancellationToken));
        await Task.WhenAll(copies);
    }

    /// <summary>Sleeps about <paramref name="wait"/>: Thread.Sleep for long waits, usleep (microseconds) for short ones.</summary>
    private static void Sleep(TimeSpan wait)
    {
        if (wait > TimeSpan.FromMilliseconds(5))
        {
            Thread.Sleep(wait - TimeSpan.FromMilliseconds(2));
        }
        else if (OperatingSystem.IsLinux())
        {
            _ = NativeMethods.USleep((uint)Math.Max(1, wait.TotalMicroseconds - 50));
        }
        else
        {
            Thread.Sleep(0);
        }
    }

    /// <summary>Counts and latencies of one run, written from many tasks at once.</summary>
    private sealed class Recording
    {
        private readonly LongConcurrentHistogram _latency = new(1, HighestTrackableMicroseconds, 3);
        private readonly LongConcurrentHistogram _lateness = new(1, HighestTrackableMicroseconds, 3);
        private readonly ConcurrentDictionary<string, long> _failures = new(StringComparer.Ordinal);
        private long _ok;

        /// <summary>How late the dispatcher sent a request, in stopwatch ticks (the open model's measurement floor).</summary>
        public void Late(long ticks) => _lateness.RecordValue(Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, 1, HighestTrackableMicroseconds));

        public void Record(long since, StepResult result)
        {
            if (!result.IsOk)
            {
                Fail(result.FailureKind ?? "failed");
                return;
            }

            var microseconds = (Stopwatch.GetTimestamp() - since) * 1_000_000 / Stopwatch.Frequency;
            _latency.RecordValue(Math.Clamp(microseconds, 1, HighestTrackableMicroseconds));
            Interlocked.Increment(ref _ok);
        }

        public void Fail(string kind, long count = 1) => _failures.AddOrUpdate(kind, count, (_, had) => had + count);

        public ScenarioResult Result(string scenario, string simulation, TimeSpan elapsed) =>
            new(scenario, simulation, elapsed, Interlocked.Read(ref _ok), new Dictionary<string, long>(_failures, StringComparer.Ordinal), _latency.Copy())
            {
                DispatchLateness = _lateness.TotalCount == 0 ? null : _lateness.Copy(),
            };
    }

    private static partial class NativeMethods
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "usleep")]
        public static partial int USleep(uint microseconds);
    }
}
