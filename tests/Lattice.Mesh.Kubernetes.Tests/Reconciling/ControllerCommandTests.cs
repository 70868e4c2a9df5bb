using System.Diagnostics;
using System.Text;
using Lattice.Mesh.Kubernetes.Tests.Support;

namespace Lattice.Mesh.Kubernetes.Tests.Reconciling;

/// <summary><c>lattice-mesh controller</c> as a process against the real API server, as a Deployment would run it.</summary>
public sealed class ControllerCommandTests(KubernetesCluster cluster) : IAsyncLifetime
{
    private MeshInCluster _mesh = null!;

    public async ValueTask InitializeAsync() => _mesh = await MeshInCluster.CreateAsync(cluster, "command");

    public async ValueTask DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task TheController_RendersWhatIsApplied_ExportsItsMetrics_AndStopsCleanlyOnSigterm()
    {
        var metricsPort = LoopbackPort.Free();
        using var controller = Start("controller", "--kubeconfig", cluster.KubeconfigPath, "--listen", "127.0.0.1:0", "--metrics-listen", $"127.0.0.1:{metricsPort}", "--namespace", _mesh.SystemNamespace, "--watch-namespace", _mesh.Namespace);
        using var killOnFailure = new KillOnDispose(controller);
        var output = new StringBuilder();
        controller.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        controller.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        controller.BeginOutputReadLine();
        controller.BeginErrorReadLine();

        await _mesh.ApplyMediaStackAsync("nzbget");

        await Wait.UntilAsync(async () => await _mesh.DeploymentAsync("nzbget") is not null, "the controller process to render nzbget");
        await Wait.UntilAsync(async () => (await _mesh.ConditionAsync("nzbget", "Ready"))?.Status == "True", "nzbget's status");
        lock (output)
        {
            Assert.Contains("serving sidecars on https://127.0.0.1:", output.ToString(), StringComparison.Ordinal);
        }

        // Jellyfin declares ingress: the gateway installed in the controller's namespace serves its Secret.
        await _mesh.InstallGatewayAsync();
        await _mesh.ApplyMediaStackAsync("jellyfin");
        await Wait.UntilAsync(async () => (await _mesh.GatewayAsync())?.Spec.Template.Spec.Volumes.Any(v => v.Secret?.SecretName == _mesh.IngressSecret("jellyfin-tls")) == true, "the gateway to mount Jellyfin's Secret");

        // No injector runs here: nzbget's pod has no sidecar, and the controller says so to Prometheus too.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/readyz", TestContext.Current.CancellationToken)).StatusCode);
        await Wait.UntilAsync(
            async () => (await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken)).Split('\n').Any(line =>
                line.StartsWith("lattice_pods_without_sidecar{", StringComparison.Ordinal) && line.Contains($"namespace=\"{_mesh.Namespace}\"", StringComparison.Ordinal)
                && line.Contains("service=\"nzbget\"", StringComparison.Ordinal) && line.EndsWith("} 1", StringComparison.Ordinal)),
            "the pods-without-sidecar gauge for nzbget");

        using (var kill = Process.Start("kill", ["-TERM", controller.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        await controller.WaitForExitAsync(deadline.Token);
        Assert.Equal(0, controller.ExitCode);
    }

    [Theory]
    [InlineData("--listen", "nowhere", "--listen nowhere is not address:port")]
    [InlineData("--kubeconfig", "/nonexistent/kubeconfig", "no cluster to talk to")]
    public async Task BadSettings_AreRefused_WithTheFix(string option, string value, string expected)
    {
        using var controller = Start("controller", option, value);
        var error = await controller.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await controller.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, controller.ExitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("Fix:", error, StringComparison.Ordinal);
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-mesh.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>A failed assertion must not leave the process running.</summary>
    private sealed class KillOnDispose(Process process) : IDisposable
    {
        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
