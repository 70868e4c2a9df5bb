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

    public static string Root { get; } = FindRoot();

    public static string MediaServer => Path.Combine(Root, "examples", "media-server");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lattice.Mesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Lattice.Mesh.sln not found");
    }
}
