using k8s;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary>Two controller replicas on one mesh: one leads and writes; the other only watches, until it must take over.</summary>
public sealed class LeadershipTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private MeshInCluster _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MeshInCluster.CreateAsync(cluster, "leader");

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task OnlyTheLeaderWrites_AndTheOtherTakesOverWhenItStops()
    {
        var a = await _mesh.StartControllerAsync("controller-a");
        var b = await _mesh.StartControllerAsync("controller-b");
        await Wait.UntilAsync(() => Task.FromResult(a.Leadership.IsLeader || b.Leadership.IsLeader), "one replica to lead");
        var (leader, standby) = a.Leadership.IsLeader ? (a, b) : (b, a);

        await _mesh.ApplyMediaStackAsync();
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("sonarr", "Ready"))?.Status == "True", "the leader to reconcile sonarr");
        await Wait.UntilAsync(() => Task.FromResult(standby.Reconciler.Passes > 0 && standby.Distributor.Tables.Count == 4), "the standby to compute the same mesh (three services and the gateway)");

        Assert.False(standby.Leadership.IsLeader);
        Assert.Equal(0, standby.Reconciler.Writes);
        Assert.True(leader.Reconciler.Writes > 0);
        Assert.Equal(leader.Distributor.Tables.Values.Select(t => t.Revision).Order(), standby.Distributor.Tables.Values.Select(t => t.Revision).Order());

        await _mesh.StopControllerAsync(leader);
        await Wait.UntilAsync(() => Task.FromResult(standby.Leadership.IsLeader), "the standby to take the lease", TimeSpan.FromSeconds(30));
        await _mesh.ApplyAsync(ReconcilerTests.Radarr("""
                nzbget:
                  type: service
                  direction: outbound
            """));

        await Wait.UntilAsync(async () => await _mesh.DeploymentAsync("radarr") is not null, "the new leader to render radarr");
        Assert.True(standby.Reconciler.Writes > 0);
    }

    [Fact]
    public async Task BothReplicas_ShareOneMeshCa_FromTheSecretTheFirstCreated()
    {
        var a = await _mesh.StartControllerAsync("controller-a");
        var b = await _mesh.StartControllerAsync("controller-b");

        Assert.Equal(a.Authority.SerialNumber, b.Authority.SerialNumber);
        var secret = await _mesh.Client.CoreV1.ReadNamespacedSecretAsync("lattice-mesh-ca", _mesh.SystemNamespace, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("kubernetes.io/tls", secret.Type);
        Assert.Equal(a.Authority.CertificatePem, System.Text.Encoding.UTF8.GetString(secret.Data["tls.crt"]));
    }
}
