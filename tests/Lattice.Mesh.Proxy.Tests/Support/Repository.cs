using System.Runtime.CompilerServices;

namespace Lattice.Mesh.Proxy.Tests.Support;

/// <summary>The repository root: above the test binaries, or above this source file when built elsewhere.</summary>
internal static class Repository
{
    public static string Root { get; } = Find(AppContext.BaseDirectory) ?? Find(SourceFolder()) ?? throw new InvalidOperationException("Lattice.Mesh.sln not found");

    public static string MediaServer => Path.Combine(Root, "examples", "media-server");

    private static string? Find(string start)
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
