using System.Diagnostics.CodeAnalysis;
using Lattice.Mesh.Proxy.Telemetry;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// The sidecar's route tables: holds the snapshot in force and takes new tables from the watched file and the
/// controller's push through the same <see cref="RouteTableInput.Offer"/>. A table is validated whole before it is used; a bad one is
/// refused, logged and counted, and the last good one keeps serving. Swaps are atomic: readers take the
/// current snapshot once per request and never see a half-built one.
/// </summary>
internal sealed class RouteTableSource : RouteTableInput
{
    private readonly ProxySnapshotBuilder _builder;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RouteTableSource> _logger;
    private ProxySnapshot? _current;

    public RouteTableSource(ProxySnapshotBuilder builder, ProxyMetrics metrics, ILogger<RouteTableSource> logger)
        : base(logger)
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

    public override string? Revision => Current?.Revision;

    /// <inheritdoc/>
    protected override RouteTableReadResult Apply(RouteTableReadResult read, string origin)
    {
        if (!read.IsValid)
        {
            _metrics.RouteTableRejected();
            ProxyLog.RouteTableRejected(_logger, origin, read.Errors.Length, string.Join("; ", read.Errors), Current?.Revision ?? "none");
            return read;
        }

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
}
