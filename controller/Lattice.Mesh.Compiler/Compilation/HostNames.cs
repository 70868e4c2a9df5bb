using System.Collections.Frozen;
using System.Collections.Immutable;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>
/// The Host values an app may use for a service, as cluster DNS resolves them from the caller's namespace:
/// <c>nzbget</c> (same namespace only), <c>nzbget.media</c>, <c>nzbget.media.svc</c>,
/// <c>nzbget.media.svc.cluster.local</c>, each with and without each port. Cached: many callers share them.
/// </summary>
internal sealed class HostNames(CompilerOptions options, FrozenDictionary<ServiceId, LatticeService> services)
{
    private readonly Dictionary<(ServiceId Service, bool SameNamespace), ImmutableArray<string>> _cache = [];

    public ImmutableArray<string> For(ServiceId service, string callerNamespace)
    {
        var sameNamespace = service.Namespace == callerNamespace;
        if (_cache.TryGetValue((service, sameNamespace), out var cached))
        {
            return cached;
        }

        var ports = services.TryGetValue(service, out var spec)
            ? spec.Spec.Ports.Values.Select(p => p.Port).Distinct().Order().ToArray()
            : [];
        var names = new List<string>(4);
        if (sameNamespace)
        {
            names.Add(service.Name);
        }

        names.Add($"{service.Name}.{service.Namespace}");
        names.Add($"{service.Name}.{service.Namespace}.svc");
        names.Add($"{service.Name}.{service.Namespace}.svc.{options.ClusterDomain}");

        var hosts = ImmutableArray.CreateBuilder<string>(names.Count * (1 + ports.Length));
        foreach (var name in names)
        {
            hosts.Add(name);
            foreach (var port in ports)
            {
                hosts.Add($"{name}:{port}");
            }
        }

        var result = hosts.MoveToImmutable();
        _cache[(service, sameNamespace)] = result;
        return result;
    }
}
