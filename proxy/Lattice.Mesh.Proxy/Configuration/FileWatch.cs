namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// Calls back when files may have changed: after any event in their folders has settled (a burst of writes is
/// one call; Kubernetes replaces mounted files by swapping a <c>..data</c> symlink, so events name other
/// files), and on a poll, since watchers miss events on some filesystems or overflow. One call runs at a
/// time; a change during a call makes one more call right after. Callers compare content, so a spurious
/// call costs a read and nothing else. Used for the route table and the certificates alike.
/// </summary>
public sealed class FileWatch : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ITimer _settle;
    private readonly ITimer _poll;
    private readonly Action _changed;
    private readonly TimeSpan _settleDelay;
    private int _running;
    private int _dirty;
    private volatile bool _disposed;

    /// <param name="paths">The files; their folders are watched.</param>
    /// <param name="pollInterval">How often to call back regardless of events.</param>
    /// <param name="settleDelay">How long events must stop before the call, so that a burst of writes is one call.</param>
    /// <param name="time">The clock for both timers.</param>
    /// <param name="changed">The callback.</param>
    /// <param name="problem">Told (folder, what went wrong) when a folder cannot be watched or its watcher overflows; polling covers it.</param>
    public FileWatch(IEnumerable<string> paths, TimeSpan pollInterval, TimeSpan settleDelay, TimeProvider time, Action changed, Action<string, string>? problem = null)
    {
        _changed = changed;
        _settleDelay = settleDelay;
        _settle = time.CreateTimer(static state => ((FileWatch)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        foreach (var folder in paths.Select(path => Path.GetDirectoryName(Path.GetFullPath(path))!).Distinct(StringComparer.Ordinal))
        {
            Watch(folder, problem);
        }

        _poll = time.CreateTimer(static state => ((FileWatch)state!).Fire(), this, pollInterval, pollInterval);
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _settle.Dispose();
        _poll.Dispose();
    }

    private void Watch(string folder, Action<string, string>? problem)
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.CreationTime | NotifyFilters.Size,
            };
            watcher.Changed += (_, _) => Soon();
            watcher.Created += (_, _) => Soon();
            watcher.Deleted += (_, _) => Soon();
            watcher.Renamed += (_, _) => Soon();
            watcher.Error += (_, e) =>
            {
                problem?.Invoke(folder, e.GetException().Message);
                Soon();
            };
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
        catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            watcher?.Dispose();
            problem?.Invoke(folder, e.Message);
        }
    }

    private void Soon()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            _settle.Change(_settleDelay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile.
        }
    }

    private void Fire()
    {
        Interlocked.Exchange(ref _dirty, 1);
        if (_disposed || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        try
        {
            while (!_disposed && Interlocked.Exchange(ref _dirty, 0) == 1)
            {
                _changed();
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }

        if (!_disposed && Volatile.Read(ref _dirty) == 1)
        {
            Fire();
        }
    }
}
