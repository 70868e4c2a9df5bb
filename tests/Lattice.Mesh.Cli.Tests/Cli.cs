using System.Runtime.CompilerServices;

namespace Lattice.Mesh.Cli.Tests;

/// <summary>Runs lattice-mesh in-process and captures what it prints.</summary>
internal static class Cli
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = LatticeMeshCli.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The repository: above the test binaries, or above this source file when built elsewhere (--artifacts-path).</summary>
    public static string Root { get; } = FindRoot(AppContext.BaseDirectory) ?? FindRoot(SourceFolder()) ?? throw new InvalidOperationException("Lattice.Mesh.sln not found");

    public static string MediaServer => Path.Combine(Root, "examples", "media-server");

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
