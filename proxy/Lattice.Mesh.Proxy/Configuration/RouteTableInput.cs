using System.Security.Cryptography;
using Lattice.Mesh.Proxy.Telemetry;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// The one door route tables come in by, for the sidecar and the gateway alike: a watched file
/// (<see cref="Watch"/>) and the controller's push (<see cref="RouteTablePushClient"/>) both hand their bytes to
/// <see cref="Offer"/>. The same bytes offered again change nothing and are not refused, logged or counted twice.
/// What a valid table does is the subclass's <see cref="Apply"/>; a bad one is refused there and the last good one
/// keeps serving.
/// </summary>
internal abstract class RouteTableInput : IDisposable
{
    /// <summary>How long file events must stop before the table is re-read: a burst of writes is one read.</summary>
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(50);

    private readonly ILogger _logger;
    private readonly Lock _applyGate = new();
    private FileWatch? _watch;
    private byte[]? _lastSeen;
    private RouteTableReadResult? _lastResult;

    protected RouteTableInput(ILogger logger) => _logger = logger;

    /// <summary>The revision of the table in force, or null before the first.</summary>
    public abstract string? Revision { get; }

    /// <summary>How many tables were refused (each distinct content once).</summary>
    public int Refusals { get; private set; }

    /// <summary>Why the last offered table was refused or the file could not be read, or null when the last one was applied.</summary>
    public string? LastError { get; private set; }

    /// <summary>Validates <paramref name="json"/> and, when it is a good table, puts it in force.</summary>
    public RouteTableReadResult Offer(ReadOnlySpan<byte> json, string origin)
    {
        lock (_applyGate)
        {
            var hash = SHA256.HashData(json);
            if (_lastSeen is not null && hash.AsSpan().SequenceEqual(_lastSeen) && _lastResult is { } same)
            {
                return same;
            }

            _lastSeen = hash;
            var result = Apply(RouteTableSerializer.Read(json), origin);
            if (result.IsValid)
            {
                LastError = null;
            }
            else
            {
                LastError = string.Join("; ", result.Errors);
                Refusals++;
            }

            _lastResult = result;
            return result;
        }
    }

    /// <summary>Puts a table in force, or logs why it is refused and returns the refusal. Called under the apply lock, once per distinct content.</summary>
    protected abstract RouteTableReadResult Apply(RouteTableReadResult read, string origin);

    /// <summary>Reads <paramref name="path"/> now, then again whenever it changes (and every <paramref name="pollInterval"/>).</summary>
    public void Watch(string path, TimeSpan pollInterval, TimeProvider time)
    {
        _watch?.Dispose();
        _watch = new FileWatch([path], pollInterval, SettleDelay, time, () => OfferFile(path), (folder, problem) => ProxyLog.WatchProblem(_logger, folder, problem));
        OfferFile(path);
    }

    public void Dispose()
    {
        _watch?.Dispose();
        GC.SuppressFinalize(this);
    }

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
