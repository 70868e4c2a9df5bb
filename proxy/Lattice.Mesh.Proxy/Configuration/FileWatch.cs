namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// Calls back when a file may have changed: on a watcher event, and on a poll, since watchers miss events on
/// some filesystems and Kubernetes swaps mounted files by symlink. Callers compare content (the revision),
/// so a spurious call costs a read and nothing else.
/// </summary>
internal sealed class FileWatch : IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private readonly ITimer _poll;
    private readonly Action _changed;
    private int _running;
    private int _dirty;

    public FileWatch(string path, TimeSpan pollInterval, TimeProvider time, Action changed)
    {
        _changed = changed;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (Directory.Exists(folder))
        {
            _watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime };
            _watcher.Changed += (_, _) => Fire();
            _watcher.Created += (_, _) => Fire();
            _watcher.Renamed += (_, _) => Fire();
            _watcher.EnableRaisingEvents = true;
        }

        _poll = time.CreateTimer(_ => Fire(), null, pollInterval, pollInterval);
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _poll.Dispose();
    }

    private void Fire()
    {
        // One reload at a time; a change that arrives meanwhile marks the file dirty and is read right after.
        Interlocked.Exchange(ref _dirty, 1);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        try
        {
            while (Interlocked.Exchange(ref _dirty, 0) == 1)
            {
                _changed();
            }
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }

        if (Volatile.Read(ref _dirty) == 1)
        {
            Fire();
        }
    }
}
