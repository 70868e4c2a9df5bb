using System.Net;
using Lattice.Mesh.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Cli.Controller;

/// <summary>
/// <c>lattice-mesh controller</c>: the control plane in a cluster. Kubeconfig resolution as kubectl's: an explicit
/// file, else the in-cluster service account, else $KUBECONFIG or ~/.kube/config.
/// </summary>
internal static class ControllerCommand
{
    /// <param name="Kubeconfig">An explicit kubeconfig file, or null.</param>
    /// <param name="Listen">address:port for sidecars.</param>
    /// <param name="SystemNamespace">Where the CA Secret and the Lease live.</param>
    /// <param name="WatchNamespace">One namespace to reconcile, or null for all.</param>
    /// <param name="MetricsListen">address:port of the monitoring port (/metrics, /healthz, /readyz).</param>
    public sealed record Settings(string? Kubeconfig, string Listen, string SystemNamespace, string? WatchNamespace, string MetricsListen = "0.0.0.0:15014");

    public static async Task<int> RunAsync(Settings settings, TextWriter output, TextWriter error, CancellationToken stopping)
    {
        var (kubeconfig, listen, ns) = (settings.Kubeconfig, settings.Listen, settings.SystemNamespace);
        if (!IPEndPoint.TryParse(listen, out var endpoint))
        {
            await error.WriteLineAsync($"lattice-mesh controller: --listen {listen} is not address:port. Fix: e.g. --listen 0.0.0.0:15012.");
            return LatticeMeshCli.Usage;
        }

        if (!IPEndPoint.TryParse(settings.MetricsListen, out var monitoring))
        {
            await error.WriteLineAsync($"lattice-mesh controller: --metrics-listen {settings.MetricsListen} is not address:port. Fix: e.g. --metrics-listen 0.0.0.0:15014.");
            return LatticeMeshCli.Usage;
        }

        if (Kubeconfig.TryResolve(kubeconfig, out var configuration, out var problem) is false)
        {
            await error.WriteLineAsync($"lattice-mesh controller: {problem}");
            return LatticeMeshCli.Usage;
        }

        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        using var client = new k8s.Kubernetes(configuration);
        await using var plane = await KubernetesControlPlane.StartAsync(client, new ControlPlaneOptions { Namespace = ns, Reconciler = new Kubernetes.Reconciling.ReconcilerOptions { WatchNamespace = settings.WatchNamespace } }, loggers, stopping);
        var folder = Directory.CreateTempSubdirectory("lattice-controller-").FullName;
        try
        {
            await using var server = await ControllerServer.StartAsync(plane.Authority, plane.Distributor, plane.Authenticator, folder, endpoint, () => plane.Leadership.IsLeader, loggers);
            await using var metrics = await MonitoringServer.StartAsync(monitoring, [Kubernetes.Reconciling.MeshReconciler.MeterName], () =>
                plane.Watch.Synced.IsCompletedSuccessfully ? (true, plane.Leadership.IsLeader ? "leading" : "standing by") : (false, "the first list of LatticeServices is not in yet"));
            await output.WriteLineAsync($"lattice-mesh controller {plane.Leadership.Identity}: serving sidecars on {server.Uri}, metrics on {metrics.Uri}metrics, watching LatticeServices through {configuration.Host}");
            try
            {
                await Task.Delay(Timeout.Infinite, stopping);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("Stopping the controller...");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        return LatticeMeshCli.Valid;
    }
}
