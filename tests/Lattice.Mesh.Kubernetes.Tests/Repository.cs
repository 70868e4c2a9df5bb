using System.Runtime.CompilerServices;

namespace Lattice.Mesh.Kubernetes.Tests;

/// <summary>Paths in the repository, found by walking up to Lattice.Mesh.sln from the test binaries or from this source file.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot(AppContext.BaseDirectory) ?? FindRoot(SourceFolder()) ?? throw new InvalidOperationException($"Lattice.Mesh.sln not found above {AppContext.BaseDirectory} or {SourceFolder()}");

    public static string MediaServer => Path.Combine(Root, "examples", "media-server");

    public static string Deploy => Path.Combine(Root, "deploy");

    private static string? FindRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lattice.Mesh.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
