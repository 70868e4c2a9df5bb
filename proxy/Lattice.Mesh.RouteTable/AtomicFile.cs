namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Replaces a file whole: write a temporary beside it, then rename over it. A reader (a sidecar's watcher, a
/// restarted sidecar) sees the old content or the new, never half of either.
/// </summary>
public static class AtomicFile
{
    /// <param name="path">The file to replace (or create).</param>
    /// <param name="content">Its whole new content.</param>
    /// <param name="secret">Make the file readable and writable by its owner only (before it gets its name), for private keys.</param>
    public static void Replace(string path, ReadOnlySpan<byte> content, bool secret = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var temporary = path + ".tmp";
        File.Delete(temporary); // a leftover keeps its old mode; the secret one must be created afresh
        using (var stream = new FileStream(temporary, Options(secret)))
        {
            stream.Write(content);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc cref="Replace(string, ReadOnlySpan{byte}, bool)"/>
    public static void Replace(string path, string content, bool secret = false) =>
        Replace(path, System.Text.Encoding.UTF8.GetBytes(content), secret);

    private static FileStreamOptions Options(bool secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }
}
