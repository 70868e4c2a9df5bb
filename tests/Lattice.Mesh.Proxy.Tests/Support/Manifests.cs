namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>A copy of examples/media-server with some text replaced, for policies the seed does not have (short timeouts, tiny limits).</summary>
internal static class Manifests
{
    public static string MediaServerWith(params (string File, string Find, string Replace)[] edits)
    {
        var folder = Directory.CreateTempSubdirectory("lattice-manifests-").FullName;
        foreach (var file in Directory.EnumerateFiles(Repository.MediaServer))
        {
            var text = File.ReadAllText(file);
            foreach (var (target, find, replace) in edits.Where(e => e.File == Path.GetFileName(file)))
            {
                if (!text.Contains(find, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{target} has no '{find}' to replace");
                }

                text = text.Replace(find, replace, StringComparison.Ordinal);
            }

            File.WriteAllText(Path.Combine(folder, Path.GetFileName(file)), text);
        }

        return folder;
    }
}
