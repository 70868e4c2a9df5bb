namespace Lattice.Mesh.Cli.Tests;

public sealed class LocalMeshLifecycleTests : IAsyncLifetime
{
    private LocalMeshProcess _up = null!;

    public async ValueTask InitializeAsync() => _up = await LocalMeshProcess.StartAsync();

    public async ValueTask DisposeAsync() => await _up.DisposeAsync();

    [Fact]
    public async Task EditingAManifest_ChangesWhatIsAllowed_WhileItRuns()
    {
        var token = TestContext.Current.CancellationToken;
        Assert.Equal(403, (await _up.CallAsync("jellyfin", "nzbget", token)).Status);

        // Both sides agree: Jellyfin declares NZBGet outbound, NZBGet declares Jellyfin inbound.
        Edit("jellyfin.yaml", "\n  resources:\n", "\n  resources:\n    nzbget: {type: service, direction: outbound}\n");
        Edit("nzbget.yaml", "\n  resources:\n", "\n  resources:\n    jellyfin: {type: service, direction: inbound}\n");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        int status;
        while ((status = (await _up.CallAsync("jellyfin", "nzbget", token)).Status) != 200 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, token);
        }

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task SonarrIntoJellyfin_IsRateLimitedAt100AMinute()
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(200, (await _up.CallAsync("sonarr", "jellyfin", TestContext.Current.CancellationToken)).Status);
        }

        var (status, result) = await _up.CallAsync("sonarr", "jellyfin", TestContext.Current.CancellationToken);

        Assert.Equal(429, status);
        Assert.Equal("100", result.GetProperty("headers").GetProperty("ratelimit-limit").GetString());
    }

    [Fact]
    public async Task Stopping_LeavesNoProcessBehind()
    {
        Assert.Equal(4, _up.LiveSidecars()); // three sidecars and the ingress gateway

        var exitCode = await _up.TerminateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.Equal(0, _up.LiveSidecars());
    }

    private void Edit(string file, string find, string replace)
    {
        var path = Path.Combine(_up.Manifests, file);
        var text = File.ReadAllText(path);
        Assert.Equal(1, text.Split(find).Length - 1);
        File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));
    }
}
