using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Kubernetes.Ingress;
using Lattice.Mesh.Kubernetes.Rendering;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>
/// The control loop. After the first full list, every change (coalesced: a burst of events within
/// <see cref="ReconcilerOptions.Coalesce"/> is one recompute) reads every LatticeService with the same reader as
/// the command line, compiles the mesh, and publishes the route tables (every replica does this, so any replica can
/// serve). The leader also applies each service's rendered workload with server-side apply (only when it changed),
/// deletes claims nobody declares or mounts any more, and writes each object's status (only when it changed). One
/// bad LatticeService gets a Failed condition and keeps its last good route table; the others go on. While any
/// service declares ingress, the leader also runs the ingress gateway in the controller's namespace, with its TLS
/// Secrets (<see cref="GatewayReconciler"/>), and says in each such service's status where its certificate comes from.
/// </summary>
public sealed partial class MeshReconciler : IDisposable
{
    private readonly IKubernetes _client;
    private readonly LatticeServiceWatch _watch;
    private readonly RouteTableDistributor _distributor;
    private readonly ReconcilerOptions _options;
    private readonly ILogger _logger;
    private readonly KubernetesWriter _writer;
    private readonly GatewayReconciler _gateway;
    private readonly Dictionary<ServiceId, string> _applied = [];
    private TaskCompletionSource _nudged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _leader;
    private readonly System.Diagnostics.Metrics.Meter _meter;
    private DateTimeOffset _lastFullApply = DateTimeOffset.MinValue;
    private Dictionary<ServiceId, int> _podsWithoutSidecar = [];
    private readonly HashSet<string> _bundlePublished = new(StringComparer.Ordinal);

    /// <summary>The sidecar's container name, as the injector adds it.</summary>
    public const string SidecarContainer = "lattice-proxy";

    /// <summary>The ConfigMap with the mesh's trust bundle, in every meshed namespace.</summary>
    public const string TrustBundleConfigMap = "lattice-mesh-ca";

    /// <summary>Pods of each service found running without a sidecar at the last pass (the metric lattice_pods_without_sidecar).</summary>
    public IReadOnlyDictionary<ServiceId, int> PodsWithoutSidecar => Volatile.Read(ref _podsWithoutSidecar);

    /// <summary>The controller's meter (OpenTelemetry reads it by this name).</summary>
    public const string MeterName = "Lattice.Mesh.Controller";

    public MeshReconciler(IKubernetes client, LatticeServiceWatch watch, RouteTableDistributor distributor, ReconcilerOptions options, ILogger<MeshReconciler> logger)
    {
        // A meter per reconciler, so that two in one process (tests, or a namespaced and a cluster-wide one) report apart.
        _meter = new System.Diagnostics.Metrics.Meter(MeterName);
        _meter.CreateObservableGauge(
            "lattice_pods_without_sidecar",
            () => PodsWithoutSidecar.Select(p => new System.Diagnostics.Metrics.Measurement<int>(p.Value, new KeyValuePair<string, object?>("namespace", p.Key.Namespace), new KeyValuePair<string, object?>("service", p.Key.Name))),
            unit: "{pod}",
            description: "Pods of meshed services running without the sidecar");
        _client = client;
        _watch = watch;
        _distributor = distributor;
        _options = options;
        _logger = logger;
        _writer = new KubernetesWriter(client);
        _gateway = new GatewayReconciler(client, _writer, options, logger);
    }

    /// <summary>How many recomputes ran; a burst of changes should add one.</summary>
    public int Passes { get; private set; }

    /// <summary>How many writes (applies, deletes, status patches) this replica made: none unless it leads.</summary>
    public int Writes => _writer.Writes;

    /// <summary>Only the leader writes to the API server. Becoming leader re-applies everything once.</summary>
    public bool IsLeader
    {
        get => _leader;
        set
        {
            _leader = value;
            Nudge();
        }
    }

    public void Dispose()
    {
        _meter.Dispose();
        _gateway.Dispose();
    }

    /// <summary>Recompute soon, even if nothing was watched to change.</summary>
    public void Nudge() => Interlocked.Exchange(ref _nudged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async Task RunAsync(CancellationToken stopping)
    {
        await _watch.Synced.WaitAsync(stopping);
        var wasLeader = false;
        while (!stopping.IsCancellationRequested)
        {
            var (objects, changed) = _watch.Snapshot();
            var reported = _distributor.Reported;
            var nudged = Volatile.Read(ref _nudged).Task;
            var leader = _leader;
            if (leader && _options.Time.GetUtcNow() - _lastFullApply > _options.ReapplyInterval)
            {
                // Someone may have edited or deleted what was applied: apply everything again now and then (server-side
                // apply of an unchanged object changes nothing), so drift heals without a watch on every kind.
                _applied.Clear();
                _bundlePublished.Clear();
                _gateway.Forget();
                _lastFullApply = _options.Time.GetUtcNow();
            }

            if (leader && !wasLeader)
            {
                _bundlePublished.Clear();
                _gateway.Forget();
                _applied.Clear(); // a new leader re-applies everything once: what the old one did is not known here
            }

            wasLeader = leader;
            var retry = false;
            try
            {
                retry = !await ReconcileAsync(objects, leader, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong (the API server restarting, an answer we did not expect), the loop must go on:
                // the next pass starts from the watched state again.
                Log.PassFailed(_logger, e.Message);
                retry = true;
            }

            var wake = new List<Task> { changed, reported, nudged, Task.Delay(_options.ResyncInterval, stopping) };
            if (retry)
            {
                wake.Add(Task.Delay(_options.RetryAfter, stopping));
            }

            try
            {
                await Task.WhenAny(wake).WaitAsync(stopping);
                await Task.Delay(_options.Coalesce, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass; false when something should be tried again (an apply or a status write failed).</summary>
    internal async Task<bool> ReconcileAsync(IReadOnlyCollection<LatticeServiceObject> objects, bool leader, CancellationToken cancellationToken)
    {
        Passes++;
        var services = new List<LatticeService>();
        var diagnostics = new List<Diagnostic>();
        foreach (var item in objects.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            ManifestReader.Read(KubernetesJson.Serialize(item), Describe(item), namespaceOverride: null, services, diagnostics);
        }

        var gatewayReplicas = _gateway.InstalledReplicas ?? _options.GatewayReplicas;
        var compilation = MeshCompiler.Compile(services, CompilerOptionsFor(gatewayReplicas));
        var parsed = services.Select(s => s.Id).ToHashSet();
        var ids = objects.Select(o => new ServiceId(o.Metadata.NamespaceProperty, o.Metadata.Name)).ToHashSet();
        var invalid = ids.Where(id => !parsed.Contains(id) || compilation.Failed.Contains(id)).ToHashSet();
        _distributor.Publish(ServedTables.Of(compilation, _options.Compiler.Gateway, _distributor.Tables.GetValueOrDefault(_options.Compiler.Gateway), invalid), keepPrevious: invalid);
        if (!leader)
        {
            return true;
        }

        var ok = true;
        var applyErrors = new Dictionary<ServiceId, string>();
        foreach (var item in objects)
        {
            var id = new ServiceId(item.Metadata.NamespaceProperty, item.Metadata.Name);
            if (invalid.Contains(id))
            {
                continue; // its workload stays as last applied: the last good configuration keeps serving
            }

            var service = services.First(s => s.Id == id);
            var rendered = WorkloadRenderer.Render(service, RenderContext.For(compilation, id, item.Metadata.Uid, _options.Compiler));
            try
            {
                var last = _applied.GetValueOrDefault(id);
                _applied[id] = await _writer.ApplyChangedAsync([.. rendered.All()], last, cancellationToken);
                if (_applied[id] != last)
                {
                    Log.Applied(_logger, id);
                }
            }
            catch (HttpOperationException e)
            {
                applyErrors[id] = $"applying the workload failed: {e.Response.StatusCode} {KubernetesWriter.Message(e)}";
                Log.ApplyFailed(_logger, id, applyErrors[id]);
                ok = false;
            }
        }

        foreach (var gone in _applied.Keys.Where(id => !ids.Contains(id)).ToList())
        {
            _applied.Remove(gone); // Kubernetes' garbage collector removes what it owned
        }

        var kept = await CollectClaimsAsync(services, cancellationToken);
        var uninjected = await PodsWithoutSidecarAsync(cancellationToken);

        // The gateway mounts the trust bundle too, in the controller's namespace.
        await PublishTrustBundleAsync(ids.Select(id => id.Namespace).Append(_gateway.Namespace).Distinct(StringComparer.Ordinal), cancellationToken);
        var held = objects.Where(o => invalid.Contains(new ServiceId(o.Metadata.NamespaceProperty, o.Metadata.Name)))
            .Select(o => IngressSecret.HeldBy(o.Metadata.NamespaceProperty, o.Metadata.Name, o.Spec))
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var (certificates, gatewayOk) = await _gateway.ReconcileAsync(compilation.GatewayTable, held, cancellationToken);
        if (_gateway.InstalledReplicas is { } installed && installed != gatewayReplicas)
        {
            Nudge(); // the gateway was scaled: compile its shares again now, not at the next resync
        }

        ok &= gatewayOk;
        foreach (var item in objects)
        {
            ok &= await WriteStatusAsync(item, diagnostics, compilation, invalid, applyErrors, kept, uninjected, certificates, cancellationToken);
        }

        return ok;
    }

    private static string Describe(LatticeServiceObject item) => $"{LatticeService.Kind} {item.Key}";

    /// <summary>
    /// The compiler's options, with the gateway's replica count (the installed Deployment's, once read): each gateway
    /// replica enforces its share of a host's rate limit, as a sidecar does of its service's.
    /// </summary>
    private CompilerOptions CompilerOptionsFor(int gatewayReplicas) => _options.Compiler with
    {
        ObservedReplicas = new Dictionary<ServiceId, int>(_options.Compiler.ObservedReplicas ?? new Dictionary<ServiceId, int>()) { [_options.Compiler.Gateway] = gatewayReplicas },
    };

    /// <summary>
    /// Claims the controller made whose owner no longer declares the volume: deleted, unless another service still
    /// mounts them by reference, in which case they are kept and that service's status says why.
    /// </summary>
    private async Task<Dictionary<ServiceId, List<string>>> CollectClaimsAsync(List<LatticeService> services, CancellationToken cancellationToken)
    {
        var kept = new Dictionary<ServiceId, List<string>>();
        var selector = $"{Labels.ManagedBy}={Labels.ManagedByValue}";
        var claims = _options.WatchNamespace is { } only
            ? await _client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(only, labelSelector: selector, cancellationToken: cancellationToken)
            : await _client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(labelSelector: selector, cancellationToken: cancellationToken);
        foreach (var claim in claims.Items)
        {
            var ns = claim.Metadata.NamespaceProperty;
            if (claim.Metadata.DeletionTimestamp is not null || claim.Metadata.Labels is not { } labels
                || !labels.TryGetValue(Labels.VolumeOwner, out var owner) || !labels.TryGetValue(Labels.Volume, out var volume))
            {
                continue; // being deleted already (Kubernetes waits for pods that still use it), or not one of ours
            }

            var declared = services.Any(s => s.Id == new ServiceId(ns, owner) && s.Spec.Resources.TryGetValue(volume, out var r) && r is OwnedVolume);
            if (declared)
            {
                continue;
            }

            var users = services.Where(s => s.Id.Namespace == ns && s.Spec.Resources.Values.OfType<VolumeReference>().Any(r => r.OwnerService == owner && r.OwnerVolume == volume)).ToList();
            if (users.Count > 0)
            {
                foreach (var user in users)
                {
                    (kept.TryGetValue(user.Id, out var list) ? list : kept[user.Id] = []).Add(
                        $"claim {claim.Metadata.Name} is kept: {owner} no longer declares volume {volume}, but {user.Id.Name} still mounts it; remove the ref from {user.Id.Name}, or declare the volume in {owner} again");
                }

                continue;
            }

            if (await _writer.DeleteAsync(() => _client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(claim.Metadata.Name, ns, cancellationToken: cancellationToken)))
            {
                Log.ClaimDeleted(_logger, ns, claim.Metadata.Name);
            }
        }

        return kept;
    }

    /// <summary>
    /// Running pods of meshed services that have no sidecar: started while the injector was down (its failure policy
    /// is Ignore), or opted out. Reported in status and as a metric, so that they are visible rather than silent.
    /// </summary>
    private async Task<ILookup<ServiceId, string>> PodsWithoutSidecarAsync(CancellationToken cancellationToken)
    {
        var selector = Labels.Service;
        var pods = _options.WatchNamespace is { } only
            ? await _client.CoreV1.ListNamespacedPodAsync(only, labelSelector: selector, cancellationToken: cancellationToken)
            : await _client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: selector, cancellationToken: cancellationToken);
        var missing = pods.Items
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed"))
            .Where(p => !(p.Spec.Containers ?? []).Concat(p.Spec.InitContainers ?? []).Any(c => c.Name == SidecarContainer))
            .Select(p => (Service: new ServiceId(p.Metadata.NamespaceProperty, p.Metadata.Labels[Labels.Service]), Pod: p.Metadata.Name))
            .ToList();
        Volatile.Write(ref _podsWithoutSidecar, missing.GroupBy(m => m.Service).ToDictionary(g => g.Key, g => g.Count()));
        return missing.OrderBy(m => m.Pod, StringComparer.Ordinal).ToLookup(m => m.Service, m => m.Pod);
    }

    /// <summary>
    /// The mesh's trust bundle as the ConfigMap <c>lattice-mesh-ca</c> (key <c>ca.crt</c>) in every namespace with
    /// LatticeServices: injected sidecars mount it to check the controller before they have a certificate.
    /// </summary>
    private async Task PublishTrustBundleAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        if (_options.TrustBundlePem is not { } pem)
        {
            return;
        }

        foreach (var ns in namespaces.Where(ns => !_bundlePublished.Contains(ns)))
        {
            await _writer.ApplyAsync(KubernetesWriter.CaConfigMap(TrustBundleConfigMap, ns, pem), cancellationToken);
            _bundlePublished.Add(ns);
        }
    }

    private async Task<bool> WriteStatusAsync(LatticeServiceObject item, List<Diagnostic> diagnostics, MeshCompilation compilation, HashSet<ServiceId> invalid, Dictionary<ServiceId, string> applyErrors, Dictionary<ServiceId, List<string>> kept, ILookup<ServiceId, string> uninjected, IReadOnlyDictionary<ServiceId, IngressCertificateState> certificates, CancellationToken cancellationToken)
    {
        var id = new ServiceId(item.Metadata.NamespaceProperty, item.Metadata.Name);
        var resource = Describe(item);
        var facts = new ServiceFacts(
            id,
            item.Metadata.Generation ?? 0,
            [.. diagnostics.Concat(compilation.Diagnostics).Where(d => d.Resource == resource)],
            Compiled: !invalid.Contains(id),
            compilation.Graph,
            _distributor.Tables.TryGetValue(id, out var table) ? table.Revision : null,
            _distributor.CountCurrent(id),
            _distributor.AppliedBy(id).Count,
            applyErrors.GetValueOrDefault(id),
            kept.TryGetValue(id, out var claims) ? claims : [],
            [.. uninjected[id]],
            certificates.GetValueOrDefault(id));
        var status = ServiceStatus.Build(facts, item.Status, _options.Time.GetUtcNow());
        var previous = item.Status is { } old ? JsonNode.Parse(old.GetRawText()) : null;
        if (JsonNode.DeepEquals(status, previous))
        {
            return true;
        }

        // A merge patch: members the new status no longer has are removed with null.
        if (previous is JsonObject before)
        {
            foreach (var (name, _) in before.Where(p => !status.ContainsKey(p.Key)).ToList())
            {
                status[name] = null;
            }
        }

        try
        {
            await _writer.WriteAsync(() => _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch(new JsonObject { ["status"] = status }.ToJsonString(), V1Patch.PatchType.MergePatch),
                LatticeServiceObject.Group, LatticeServiceObject.Version, id.Namespace, LatticeServiceObject.Plural, id.Name, cancellationToken: cancellationToken));
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return true; // deleted meanwhile
        }
        catch (HttpOperationException e)
        {
            Log.StatusFailed(_logger, id, KubernetesWriter.Message(e));
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Applied the workload of {Service}")]
        public static partial void Applied(ILogger logger, ServiceId service);

        [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "Applying the workload of {Service} failed: {Reason}")]
        public static partial void ApplyFailed(ILogger logger, ServiceId service, string reason);

        [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "Deleted claim {Namespace}/{Claim}: no service declares or mounts it")]
        public static partial void ClaimDeleted(ILogger logger, string @namespace, string claim);

        [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "Writing the status of {Service} failed: {Reason}")]
        public static partial void StatusFailed(ILogger logger, ServiceId service, string reason);

        [LoggerMessage(EventId = 5305, Level = LogLevel.Warning, Message = "A reconcile pass failed ({Reason}); retrying")]
        public static partial void PassFailed(ILogger logger, string reason);
    }
}

/// <summary>How the reconciler runs.</summary>
public sealed record ReconcilerOptions
{
    /// <summary>After a change, wait this long for more before recomputing: a burst is one pass.</summary>
    public TimeSpan Coalesce { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>After a failed apply or status write, try again this soon.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(5);

    public CompilerOptions Compiler { get; init; } = CompilerOptions.Default;

    /// <summary>Reconcile one namespace only (null: the whole cluster).</summary>
    public string? WatchNamespace { get; init; }

    /// <summary>Recompute at least this often, even with no change watched (pods are listed, not watched).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Apply every workload again at least this often, so that hand edits and deletions are undone.</summary>
    public TimeSpan ReapplyInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The mesh CA certificate to publish as the lattice-mesh-ca ConfigMap, or null not to.</summary>
    public string? TrustBundlePem { get; init; }

    /// <summary>How many gateway pods are assumed to run until the installed Deployment is read (deploy/gateway's 2): each takes its share of an ingress rate limit.</summary>
    public int GatewayReplicas { get; init; } = 2;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
