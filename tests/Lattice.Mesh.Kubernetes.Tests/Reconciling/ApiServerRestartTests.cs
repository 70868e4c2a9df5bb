using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>The API server goes away and comes back: the watch resumes and the controller carries on. Runs alone: it restarts the shared API server.</summary>
[Collection(nameof(KubernetesClusterRestartTests))]
public sealed class ApiServerRestartTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private MeshInCluster _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MeshInCluster.CreateAsync(cluster, "restart");

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task TheWatch_SurvivesAnApiServerRestart()
    {
        var controller = await _mesh.StartControllerAsync();
        await _mesh.ApplyMediaStackAsync("nzbget");
        await Wait.UntilAsync(async () => await _mesh.DeploymentAsync("nzbget") is not null, "nzbget's Deployment");
        var watches = controller.Watch.Rewatches;

        await cluster.RestartApiServerAsync(TestContext.Current.CancellationToken);
        await _mesh.ApplyMediaStackAsync("jellyfin");

        await Wait.UntilAsync(async () => await _mesh.DeploymentAsync("jellyfin") is not null, "jellyfin, created after the restart, to be rendered");
        Assert.True(controller.Watch.Rewatches > watches, "the watch should have been re-established");
    }
}
