using System.Collections.Concurrent;
using System.Collections.Frozen;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Controller.Push;

/// <summary>
/// The tables the controller serves, one per service, and which revision each sidecar reports in force.
/// Publishing swaps the whole set at once and wakes every watcher; a service that failed to compile keeps its
/// last good table, so one bad manifest never takes a working service's policy away.
/// </summary>
public sealed class RouteTableDistributor
{
    private readonly ConcurrentDictionary<(ServiceId Service, string Instance), string> _applied = new();
    private Published _state = new(FrozenDictionary<ServiceId, RouteTable.RouteTable>.Empty, NewSignal());
    private TaskCompletionSource _reported = NewSignal();

    /// <summary>The tables in force, by service.</summary>
    public IReadOnlyDictionary<ServiceId, RouteTable.RouteTable> Tables => Volatile.Read(ref _state).Tables;

    /// <summary>
    /// Puts <paramref name="tables"/> in force. Services in <paramref name="keepPrevious"/> (they failed to
    /// compile) keep the table they had; services in neither are no longer served.
    /// </summary>
    public void Publish(IReadOnlyDictionary<ServiceId, RouteTable.RouteTable> tables, IReadOnlySet<ServiceId>? keepPrevious = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var previous = Volatile.Read(ref _state);
        var next = new Dictionary<ServiceId, RouteTable.RouteTable>(tables);
        foreach (var service in keepPrevious ?? FrozenSet<ServiceId>.Empty)
        {
            if (!next.ContainsKey(service) && previous.Tables.TryGetValue(service, out var kept))
            {
                next[service] = kept;
            }
        }

        var replaced = Interlocked.Exchange(ref _state, new Published(next.ToFrozenDictionary(), NewSignal()));
        replaced.Changed.TrySetResult();
    }

    /// <summary>The table for <paramref name="service"/> (null when none) and a task that completes at the next publish.</summary>
    public (RouteTable.RouteTable? Table, Task Changed) Watch(ServiceId service)
    {
        var state = Volatile.Read(ref _state);
        return (state.Tables.GetValueOrDefault(service), state.Changed.Task);
    }

    /// <summary>Records that <paramref name="instance"/> of <paramref name="service"/> has <paramref name="revision"/> in force.</summary>
    public void ReportApplied(ServiceId service, string instance, string revision)
    {
        if (!_applied.TryGetValue((service, instance), out var before) || before != revision)
        {
            _applied[(service, instance)] = revision;
            Interlocked.Exchange(ref _reported, NewSignal()).TrySetResult();
        }
    }

    /// <summary>Completes at the next report that changes what a sidecar has in force (for status updates).</summary>
    public Task Reported => Volatile.Read(ref _reported).Task;

    /// <summary>The revision each sidecar of <paramref name="service"/> last reported, by instance.</summary>
    public IReadOnlyDictionary<string, string> AppliedBy(ServiceId service) =>
        _applied.Where(p => p.Key.Service == service).ToDictionary(p => p.Key.Instance, p => p.Value, StringComparer.Ordinal);

    /// <summary>How many sidecars of <paramref name="service"/> run the revision in force ("has my change reached the proxies?").</summary>
    public int CountCurrent(ServiceId service) =>
        Tables.TryGetValue(service, out var table) ? _applied.Count(p => p.Key.Service == service && p.Value == table.Revision) : 0;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Published(FrozenDictionary<ServiceId, RouteTable.RouteTable> Tables, TaskCompletionSource Changed);
}
