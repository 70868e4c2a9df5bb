using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Reconciling;

/// <summary>
/// Every LatticeService in the cluster, kept current by list + watch (an informer): a full list, then a watch from
/// the list's resourceVersion with bookmarks; a watch that ends (the server's timeout, which is randomised so that
/// replicas do not reconnect in step, or a dead connection, caught by an idle timer) resumes from the last version
/// seen; 410 Gone relists; errors back off with full jitter. <see cref="Synced"/> completes after the first full
/// list, and nothing should be computed before it: an empty cache is not an empty cluster.
/// </summary>
public sealed partial class LatticeServiceWatch
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private Dictionary<string, LatticeServiceObject> _objects = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string? _namespace;

    /// <param name="client">The API server.</param>
    /// <param name="logger">Where list and watch troubles go.</param>
    /// <param name="ns">Watch one namespace only (a namespaced controller, or a test); null for the whole cluster.</param>
    public LatticeServiceWatch(IKubernetes client, ILogger<LatticeServiceWatch> logger, string? ns = null)
    {
        _client = client;
        _logger = logger;
        _namespace = ns;
    }

    /// <summary>Completes once the first full list is in.</summary>
    public Task Synced => _synced.Task;

    /// <summary>The last resourceVersion seen (a list's, an event's or a bookmark's).</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>How many times the watch was re-established (after the first), for tests and metrics.</summary>
    public int Rewatches { get; private set; }

    /// <summary>The objects now, and a task that completes at the next change. Take both at once.</summary>
    public (IReadOnlyCollection<LatticeServiceObject> Objects, Task Changed) Snapshot()
    {
        lock (_lock)
        {
            return (_objects.Values.ToArray(), _changed.Task);
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = FirstBackoff;
        var mustList = true;
        var watches = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (mustList)
                {
                    await ListAsync(stopping);
                    mustList = false;
                }

                if (watches++ > 0)
                {
                    Rewatches++;
                }

                mustList = await WatchAsync(stopping);
                backoff = FirstBackoff;
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                mustList = true;
                continue;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // Never give up watching: a failure of any kind backs off and lists or watches again.
                Log.WatchFailed(_logger, e.Message, backoff);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * backoff.TotalMilliseconds), stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = _namespace is null
            ? await _client.CustomObjects.ListClusterCustomObjectAsync<LatticeServiceList>(LatticeServiceObject.Group, LatticeServiceObject.Version, LatticeServiceObject.Plural, cancellationToken: cancellationToken)
            : await _client.CustomObjects.ListNamespacedCustomObjectAsync<LatticeServiceList>(LatticeServiceObject.Group, LatticeServiceObject.Version, _namespace, LatticeServiceObject.Plural, cancellationToken: cancellationToken);
        var objects = list.Items.ToDictionary(o => o.Key, StringComparer.Ordinal);
        lock (_lock)
        {
            _objects = objects;
            ResourceVersion = list.Metadata.ResourceVersion;
            Signal();
        }

        Log.Listed(_logger, objects.Count, list.Metadata.ResourceVersion ?? "?");
        _synced.TrySetResult();
    }

    /// <summary>One watch, until the server ends it; true when the version is gone and a relist is needed.</summary>
    private async Task<bool> WatchAsync(CancellationToken stopping)
    {
        var serverTimeout = TimeSpan.FromSeconds(240 + Random.Shared.Next(120));
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        idle.CancelAfter(serverTimeout + TimeSpan.FromSeconds(30)); // the server did not end it: the connection is dead
        var gone = false;
        Exception? failure = null;
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
            {
                gone = true;
            }
            else
            {
                failure = e;
            }
        }

        var timeoutSeconds = (int)serverTimeout.TotalSeconds;
        var events = _namespace is null
            ? _client.CustomObjects.WatchListClusterCustomObjectAsync(
                LatticeServiceObject.Group, LatticeServiceObject.Version, LatticeServiceObject.Plural,
                allowWatchBookmarks: true, resourceVersion: ResourceVersion, timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: idle.Token)
            : _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                LatticeServiceObject.Group, LatticeServiceObject.Version, _namespace, LatticeServiceObject.Plural,
                allowWatchBookmarks: true, resourceVersion: ResourceVersion, timeoutSeconds: timeoutSeconds, onError: OnError, cancellationToken: idle.Token);
        Log.Watching(_logger, ResourceVersion ?? "?");
        await foreach (var (type, raw) in events)
        {
            Log.Event(_logger, type);
            var item = KubernetesJson.Deserialize<LatticeServiceObject>(((System.Text.Json.JsonElement)raw).GetRawText());
            lock (_lock)
            {
                ResourceVersion = item.Metadata?.ResourceVersion ?? ResourceVersion;
                switch (type)
                {
                    case WatchEventType.Added or WatchEventType.Modified:
                        var known = _objects.GetValueOrDefault(item.Key);
                        _objects[item.Key] = item;
                        if (known is null || !SameSpec(known, item))
                        {
                            Signal();
                        }

                        // else only its status (or labels) changed, most often by the controller's own status write:
                        // the cache keeps it, but it is no reason for another pass.
                        break;
                    case WatchEventType.Deleted:
                        _objects.Remove(item.Key);
                        Signal();
                        break;
                    default:
                        break; // a bookmark: only the version moves on
                }
            }
        }

        if (failure is not null && !gone)
        {
            throw failure is KubernetesException or IOException or HttpRequestException ? failure : new IOException(failure.Message, failure);
        }

        if (gone)
        {
            Log.Gone(_logger, ResourceVersion ?? "?");
        }

        return gone;
    }

    private static bool SameSpec(LatticeServiceObject a, LatticeServiceObject b) =>
        a.Metadata.Generation == b.Metadata.Generation && a.Metadata.Generation is not null
        && a.Spec?.GetRawText() == b.Spec?.GetRawText();

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Watching LatticeServices from resourceVersion {ResourceVersion}")]
        public static partial void Watching(ILogger logger, string resourceVersion);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "LatticeService event {Type}")]
        public static partial void Event(ILogger logger, WatchEventType type);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Listed {Count} LatticeServices at resourceVersion {ResourceVersion}")]
        public static partial void Listed(ILogger logger, int count, string resourceVersion);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Watch resourceVersion {ResourceVersion} is gone (410); listing again")]
        public static partial void Gone(ILogger logger, string resourceVersion);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Watching LatticeServices failed ({Reason}); retrying within {Backoff}")]
        public static partial void WatchFailed(ILogger logger, string reason, TimeSpan backoff);
    }
}
