namespace Lattice.Mesh.Compiler.Tests;

/// <summary>Paths in the repository, found from the test binaries by walking up to Lattice.Mesh.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string MediaServer => Path.Combine(Root, "examples", "media-server");

    public static string TestAssets => Path.Combine(Root, "tests", "Lattice.Mesh.Compiler.Tests", "testassets");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lattice.Mesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Lattice.Mesh.sln not found above {AppContext.BaseDirectory}");
    }
}
