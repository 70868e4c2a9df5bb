using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;

namespace Lattice.Mesh.Injector.Webhook;

/// <summary>
/// Namespace labels for the injection decision (an AdmissionReview carries the pod, not its namespace), read from the
/// API server and kept for a short while: the webhook answers within the API server's timeout, and a namespace label
/// changed a moment ago is seen by the next pod.
/// </summary>
public sealed class NamespaceLabels(IKubernetes client, TimeProvider time, TimeSpan? keepFor = null)
{
    private readonly ConcurrentDictionary<string, (IReadOnlyDictionary<string, string> Labels, DateTimeOffset Read)> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _keepFor = keepFor ?? TimeSpan.FromSeconds(10);

    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string ns, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(ns, out var cached) && time.GetUtcNow() - cached.Read < _keepFor)
        {
            return cached.Labels;
        }

        IReadOnlyDictionary<string, string> labels;
        try
        {
            var read = await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
            labels = read.Metadata.Labels is { } l ? new Dictionary<string, string>(l, StringComparer.Ordinal) : new Dictionary<string, string>();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            labels = new Dictionary<string, string>();
        }

        _cache[ns] = (labels, time.GetUtcNow());
        return labels;
    }
}
