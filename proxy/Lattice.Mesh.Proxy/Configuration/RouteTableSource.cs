using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Lattice.Mesh.Proxy.Telemetry;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// Holds the snapshot in force and takes new route tables: from a watched file here, from the controller's
/// push later, through the same <see cref="Offer"/>. A table is validated whole before it is used; a bad one is
/// refused, logged and counted, and the last good one keeps serving. Swaps are atomic: readers take the
/// current snapshot once per request and never see a half-built one.
/// </summary>
internal sealed class RouteTableSource : IDisposable
{
    /// <summary>How long file events must stop before the table is re-read: a burst of writes is one read.</summary>
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(50);

    private readonly ProxySnapshotBuilder _builder;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RouteTableSource> _logger;
    private readonly Lock _applyGate = new();
    private ProxySnapshot? _current;
    private FileWatch? _watch;
    private byte[]? _lastSeen;
    private RouteTableReadResult? _lastResult;

    public RouteTableSource(ProxySnapshotBuilder builder, ProxyMetrics metrics, ILogger<RouteTableSource> logger)
    {
        _builder = builder;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Raised after a new table is in force.</summary>
    public event Action<ProxySnapshot>? Applied;

    /// <summary>The snapshot in force, or null before the first valid table.</summary>
    public ProxySnapshot? Current => Volatile.Read(ref _current);

    [MemberNotNullWhen(true, nameof(Current))]
    public bool IsReady => Current is not null;

    /// <summary>How many tables were refused (each distinct content once).</summary>
    public int Refusals { get; private set; }

    /// <summary>Why the last offered table was refused, or null when the last one was applied.</summary>
    public string? LastError { get; private set; }

    /// <summary>Validates <paramref name="json"/> and, when it is a good table, puts it in force.</summary>
    public RouteTableReadResult Offer(ReadOnlySpan<byte> json, string origin)
    {
        lock (_applyGate)
        {
            // The same bytes again (a poll, a repeated push) change nothing and are not refused, logged or counted twice.
            var hash = SHA256.HashData(json);
            if (_lastSeen is not null && hash.AsSpan().SequenceEqual(_lastSeen) && _lastResult is { } same)
            {
                return same;
            }

            _lastSeen = hash;
            _lastResult = Apply(RouteTableSerializer.Read(json), origin);
            return _lastResult;
        }
    }

    /// <summary>Puts a valid table in force, or records why it was refused. Called under the apply lock.</summary>
    private RouteTableReadResult Apply(RouteTableReadResult read, string origin)
    {
        if (!read.IsValid)
        {
            LastError = string.Join("; ", read.Errors);
            Refusals++;
            _metrics.RouteTableRejected();
            ProxyLog.RouteTableRejected(_logger, origin, read.Errors.Length, LastError, Current?.Revision ?? "none");
            return read;
        }

        LastError = null;
        if (Current?.Revision == read.Table.Revision)
        {
            return read;
        }

        var snapshot = _builder.Build(read.Table, Current);
        Volatile.Write(ref _current, snapshot);
        _metrics.RouteTableApplied(snapshot.Revision);
        ProxyLog.RouteTableApplied(_logger, snapshot.Revision, origin, snapshot.Table.Outbound.Length, snapshot.Table.Inbound.Length);
        Applied?.Invoke(snapshot);
        return read;
    }

    /// <summary>Reads <paramref name="path"/> now, then again whenever it changes.</summary>
    public void Watch(string path, TimeSpan pollInterval, TimeProvider time)
    {
        _watch?.Dispose();
        _watch = new FileWatch([path], pollInterval, SettleDelay, time, () => OfferFile(path), (folder, problem) => ProxyLog.WatchProblem(_logger, folder, problem));
        OfferFile(path);
    }

    public void Dispose() => _watch?.Dispose();

    private void OfferFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            // Not an error: the table has not been written yet. Readiness says so.
            return;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LastError = $"{path}: {exception.Message}";
            ProxyLog.RouteTableUnreadable(_logger, path, exception.Message);
            return;
        }

        Offer(bytes, path);
    }
}
