using Lattice.Mesh.Cli.LocalMesh;

namespace Lattice.Mesh.Cli.Tests;

/// <summary>Which lattice-proxy <c>up</c> and the load test run: the one beside them, or the one LATTICE_PROXY names.</summary>
public sealed class ProxyExecutableTests
{
    [Fact]
    public void RunsTheProxyBesideThisProgram_WithDotnet_WhenLatticeProxyIsUnset()
    {
        foreach (var unset in new[] { null, string.Empty })
        {
            var start = SidecarProcess.StartInfo(unset);

            Assert.Equal("dotnet", start.FileName);
            Assert.Equal(Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"), Assert.Single(start.ArgumentList));
        }
    }

    [Fact]
    public void RunsTheExecutableLatticeProxyNames_ANativeBuildSay()
    {
        var native = Path.GetTempFileName();
        try
        {
            var start = SidecarProcess.StartInfo(native);

            Assert.Equal(native, start.FileName);
            Assert.Empty(start.ArgumentList);
        }
        finally
        {
            File.Delete(native);
        }
    }

    [Fact]
    public void RefusesAMissingExecutable_NamingTheVariableAndTheWayBack()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"lattice-proxy-{Guid.NewGuid():N}");

        var error = Assert.Throws<FileNotFoundException>(() => SidecarProcess.StartInfo(missing));

        Assert.Contains($"LATTICE_PROXY names {missing}, which does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("unset LATTICE_PROXY", error.Message, StringComparison.Ordinal);
    }
}
