using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Ingress;
using Lattice.Mesh.Kubernetes.Rendering;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>
/// The leader's half of the ingress gateway, one call per pass: while the gateway has a table (some service declares
/// ingress) its TLS Secrets are provided (<see cref="IngressCertificates"/>) and its ServiceAccount, LoadBalancer
/// Service and Deployment are applied in the controller's namespace (only when they changed); when none does, what
/// the controller labelled as the gateway's is deleted, once. A service that declares ingress but cannot be compiled
/// now holds its Secret (and, if it was the only one, the whole gateway) as it is until it is fixed.
/// </summary>
internal sealed partial class GatewayReconciler : IDisposable
{
    private static readonly string WorkloadSelector = $"{Labels.ManagedBy}={Labels.ManagedByValue},{Labels.Component}={Labels.GatewayComponent}";

    private readonly IKubernetes _client;
    private readonly KubernetesWriter _writer;
    private readonly ReconcilerOptions _options;
    private readonly ILogger _logger;
    private readonly IngressCertificates _certificates;
    private string? _applied;
    private bool _removed;

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

    /// <summary>Forget what was applied, so that the next pass applies (or deletes) everything again.</summary>
    public void Forget()
    {
        _applied = null;
        _removed = false;
        _certificates.Forget();
    }

    public void Dispose() => _certificates.Dispose();

    /// <summary>
    /// One pass for <paramref name="table"/> (null: no compiled service declares ingress), keeping the
    /// <paramref name="held"/> Secrets of services that cannot be compiled; false when a write failed.
    /// </summary>
    public async Task<(IReadOnlyDictionary<ServiceId, IngressCertificateState> Certificates, bool Ok)> ReconcileAsync(RouteTable.RouteTable? table, IReadOnlySet<string> held, CancellationToken cancellationToken)
    {
        if (table is null)
        {
            if (!_removed && held.Count == 0)
            {
                await _certificates.ReconcileAsync([], held, cancellationToken);
                await RemoveAsync(cancellationToken);
                _removed = true;
                _applied = null;
            }

            return (new Dictionary<ServiceId, IngressCertificateState>(), true);
        }

        _removed = false;
        var plan = IngressSecret.Plan(table);
        var outcome = await _certificates.ReconcileAsync(plan, held, cancellationToken);
        var ok = outcome.Ok;
        var rendered = GatewayRenderer.Render(new GatewayRenderContext
        {
            Gateway = _options.Compiler.Gateway,
            TrustDomain = _options.Compiler.TrustDomain,
            ProxyImage = _options.ProxyImage,
            ControllerAddress = _options.ControllerAddress,
            Replicas = _options.GatewayReplicas,
            IngressSecrets = outcome.Secrets,
        });
        try
        {
            var last = _applied;
            _applied = await _writer.ApplyChangedAsync([.. rendered.All()], last, cancellationToken);
            if (_applied != last)
            {
                Log.Applied(_logger, Namespace, _options.Compiler.Gateway.Name);
            }
        }
        catch (HttpOperationException e)
        {
            Log.ApplyFailed(_logger, Namespace, _options.Compiler.Gateway.Name, $"{e.Response.StatusCode} {KubernetesWriter.Message(e)}");
            ok = false;
        }

        return (outcome.States, ok);
    }

    /// <summary>Deletes the gateway's Deployment, Service and ServiceAccount: only objects labelled as the controller's gateway.</summary>
    private async Task RemoveAsync(CancellationToken cancellationToken)
    {
        var ns = Namespace;
        var deployments = await _client.AppsV1.ListNamespacedDeploymentAsync(ns, labelSelector: WorkloadSelector, cancellationToken: cancellationToken);
        var services = await _client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: WorkloadSelector, cancellationToken: cancellationToken);
        var accounts = await _client.CoreV1.ListNamespacedServiceAccountAsync(ns, labelSelector: WorkloadSelector, cancellationToken: cancellationToken);
        var deletes = deployments.Items.Select(d => (Kind: d.Kind ?? V1Deployment.KubeKind, d.Metadata.Name, Delete: (Func<Task>)(() => _client.AppsV1.DeleteNamespacedDeploymentAsync(d.Metadata.Name, ns, propagationPolicy: "Background", cancellationToken: cancellationToken))))
            .Concat(services.Items.Select(s => (Kind: V1Service.KubeKind, s.Metadata.Name, Delete: (Func<Task>)(() => _client.CoreV1.DeleteNamespacedServiceAsync(s.Metadata.Name, ns, cancellationToken: cancellationToken)))))
            .Concat(accounts.Items.Select(a => (Kind: V1ServiceAccount.KubeKind, a.Metadata.Name, Delete: (Func<Task>)(() => _client.CoreV1.DeleteNamespacedServiceAccountAsync(a.Metadata.Name, ns, cancellationToken: cancellationToken)))));
        foreach (var (kind, name, delete) in deletes)
        {
            if (await _writer.DeleteAsync(delete))
            {
                Log.Removed(_logger, kind, ns, name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5501, Level = LogLevel.Information, Message = "Applied the ingress gateway {Namespace}/{Name}")]
        public static partial void Applied(ILogger logger, string @namespace, string name);

        [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Applying the ingress gateway {Namespace}/{Name} failed: {Reason}")]
        public static partial void ApplyFailed(ILogger logger, string @namespace, string name, string reason);

        [LoggerMessage(EventId = 5503, Level = LogLevel.Information, Message = "Deleted the ingress gateway's {Kind} {Namespace}/{Name}: no service declares ingress")]
        public static partial void Removed(ILogger logger, string kind, string @namespace, string name);
    }
}
