using k8s;
using k8s.Autorest;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Ingress;
using Lattice.Mesh.Kubernetes.Rendering;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>
/// The leader's half of the ingress gateway, one call per pass. The gateway itself (its ServiceAccount, LoadBalancer
/// Service and Deployment) is installed by <c>deploy/</c> and stays whether or not any service declares ingress, so its
/// address does not change. The controller provides the ingress TLS Secrets (<see cref="IngressCertificates"/>) and
/// mounts exactly those in the installed Deployment (<see cref="GatewayRenderer.IngressMounts"/>, only when they
/// changed); it never creates or deletes the gateway. A service that declares ingress but cannot be compiled now holds
/// its Secret (and its mount) as it is until it is fixed.
/// </summary>
internal sealed partial class GatewayReconciler : IDisposable
{
    private readonly IKubernetes _client;
    private readonly KubernetesWriter _writer;
    private readonly ReconcilerOptions _options;
    private readonly ILogger _logger;
    private readonly IngressCertificates _certificates;
    private string? _applied;
    private bool _idle;
    private bool _reportedMissing;

    public GatewayReconciler(IKubernetes client, KubernetesWriter writer, ReconcilerOptions options, ILogger logger)
    {
        _client = client;
        _writer = writer;
        _options = options;
        _logger = logger;
        _certificates = new IngressCertificates(client, writer, Namespace, $"ingress.{options.Compiler.TrustDomain}", options.Time, options.ResyncInterval, logger);
    }

    /// <summary>The controller's namespace, where the gateway runs.</summary>
    public string Namespace => _options.Compiler.Gateway.Namespace;

    private string Name => _options.Compiler.Gateway.Name;

    /// <summary>
    /// The installed gateway's replicas as last read, or null before that or while it is not installed: each replica
    /// enforces its share of an ingress rate limit, so an overlay that scales the gateway changes the shares.
    /// </summary>
    public int? InstalledReplicas { get; private set; }

    /// <summary>Forget what was applied, so that the next pass applies everything again.</summary>
    public void Forget()
    {
        _applied = null;
        _idle = false;
        _certificates.Forget();
    }

    public void Dispose() => _certificates.Dispose();

    /// <summary>
    /// One pass for <paramref name="table"/> (null: no compiled service declares ingress), keeping the
    /// <paramref name="held"/> Secrets of services that cannot be compiled; false when a write failed.
    /// </summary>
    public async Task<(IReadOnlyDictionary<ServiceId, IngressCertificateState> Certificates, bool Ok)> ReconcileAsync(RouteTable.RouteTable? table, IReadOnlySet<string> held, CancellationToken cancellationToken)
    {
        if (table is null && (_idle || held.Count > 0))
        {
            return (new Dictionary<ServiceId, IngressCertificateState>(), true);
        }

        var outcome = await _certificates.ReconcileAsync(table is null ? [] : IngressSecret.Plan(table), held, cancellationToken);
        var mounted = await MountAsync(outcome.Secrets, cancellationToken);
        var ok = outcome.Ok && mounted;
        _idle = table is null && ok;
        return (outcome.States, ok);
    }

    /// <summary>
    /// Mounts exactly <paramref name="secrets"/> in the installed gateway; false when the write failed. The live
    /// Deployment is read on every pass, so one deleted and installed again, or edited by hand, gets its mounts back
    /// at the next pass rather than at the next full re-apply.
    /// </summary>
    private async Task<bool> MountAsync(IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var mounts = GatewayRenderer.IngressMounts(_options.Compiler.Gateway, secrets);
        try
        {
            // Server-side apply would create a Deployment that is not there, with nothing but these volumes, and the API
            // server would refuse it; say what is missing instead.
            var live = (await _client.AppsV1.ListNamespacedDeploymentAsync(Namespace, fieldSelector: $"metadata.name={Name}", cancellationToken: cancellationToken)).Items.SingleOrDefault();
            InstalledReplicas = live is null ? null : live.Spec.Replicas ?? 1;
            if (live is null)
            {
                if (secrets.Count > 0 && !_reportedMissing)
                {
                    Log.NotInstalled(_logger, Namespace, Name, string.Join(", ", secrets));
                    _reportedMissing = true;
                }

                _applied = null;
                return true;
            }

            _reportedMissing = false;
            var mounted = (live.Spec.Template.Spec.Volumes ?? []).Where(v => v.Secret is not null).Select(v => v.Secret.SecretName).ToHashSet(StringComparer.Ordinal);
            var last = secrets.All(mounted.Contains) ? _applied : null;
            _applied = await _writer.ApplyChangedAsync([mounts], last, cancellationToken);
            if (_applied != last)
            {
                Log.Mounted(_logger, Namespace, Name, secrets.Count);
            }

            return true;
        }
        catch (HttpOperationException e)
        {
            Log.ApplyFailed(_logger, Namespace, Name, $"{e.Response.StatusCode} {KubernetesWriter.Message(e)}");
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Mounted {Count} ingress Secret(s) in the gateway {Namespace}/{Name}")]
        public static partial void Mounted(ILogger logger, string @namespace, string name, int count);

        [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Mounting the ingress Secrets in the gateway {Namespace}/{Name} failed: {Reason}")]
        public static partial void ApplyFailed(ILogger logger, string @namespace, string name, string reason);

        [LoggerMessage(EventId = 5503, Level = LogLevel.Warning, Message = "Services declare ingress, but the gateway Deployment {Namespace}/{Name} is not installed: nothing serves their hosts (Secrets ready: {Secrets}). Fix: kubectl apply -k deploy/ (it installs the gateway), or run the controller with --namespace set to where the gateway is.")]
        public static partial void NotInstalled(ILogger logger, string @namespace, string name, string secrets);
    }
}
