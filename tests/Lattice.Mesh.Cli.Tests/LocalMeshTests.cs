namespace Lattice.Mesh.Cli.Tests;

/// <summary>The README's main command: the seed enforced by real sidecar processes, no cluster.</summary>
public sealed class LocalMeshTests(LocalMeshTests.Mesh mesh) : IClassFixture<LocalMeshTests.Mesh>
{
    [Fact]
    public async Task SonarrCallsNzbgetAndJellyfin()
    {
        var (toNzbget, nzbget) = await mesh.Up.CallAsync("sonarr", "nzbget", TestContext.Current.CancellationToken);
        var (toJellyfin, jellyfin) = await mesh.Up.CallAsync("sonarr", "jellyfin", TestContext.Current.CancellationToken);

        Assert.Equal(200, toNzbget);
        Assert.Equal("nzbget\n", nzbget.GetProperty("body").GetString());
        Assert.Equal(200, toJellyfin);
        Assert.Equal("jellyfin\n", jellyfin.GetProperty("body").GetString());
    }

    [Theory]
    [InlineData("nzbget", "sonarr", "nzbget has no outbound agreement with sonarr")]
    [InlineData("jellyfin", "nzbget", "jellyfin has no outbound agreement with nzbget")]
    public async Task DeniedCalls_AreRefused_WithTheReason(string caller, string callee, string reason)
    {
        var (status, result) = await mesh.Up.CallAsync(caller, callee, TestContext.Current.CancellationToken);

        Assert.Equal(403, status);
        Assert.Equal(reason, result.GetProperty("headers").GetProperty("x-lattice-deny-reason").GetString());
    }

    [Fact]
    public async Task SonarrToNzbget_IsRetried()
    {
        using (var fail = await mesh.Up.Client.PostAsync(new Uri(mesh.Up.App("nzbget"), "/fail?count=2"), null, TestContext.Current.CancellationToken))
        {
            fail.EnsureSuccessStatusCode();
        }

        var (status, result) = await mesh.Up.CallAsync("sonarr", "nzbget", TestContext.Current.CancellationToken);

        Assert.Equal(200, status);
        Assert.Equal("3", result.GetProperty("headers").GetProperty("x-lattice-attempts").GetString());
    }

    /// <summary>One local mesh for the class.</summary>
    public sealed class Mesh : IAsyncLifetime
    {
        public LocalMeshProcess Up { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Up = await LocalMeshProcess.StartAsync();

        public async ValueTask DisposeAsync() => await Up.DisposeAsync();
    }
}
