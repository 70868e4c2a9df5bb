namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// A sidecar's conversation with the controller that runs for the sidecar's life (the route-table stream, certificate
/// renewal): started once, and on dispose cancelled and awaited, so that nothing outlives the sidecar.
/// </summary>
internal abstract class BackgroundLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stopping.Token));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stopping.Dispose();
    }

    /// <summary>Runs until <paramref name="stopping"/> is cancelled; it must not throw then.</summary>
    protected abstract Task RunAsync(CancellationToken stopping);

    /// <summary>Waits a random time up to <paramref name="backoff"/> (full jitter, so that a fleet does not retry in step); false when stopping.</summary>
    protected static async Task<bool> JitteredDelayAsync(TimeSpan backoff, TimeProvider time, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds), time, stopping);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
