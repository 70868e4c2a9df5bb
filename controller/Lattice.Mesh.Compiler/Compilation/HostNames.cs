using System.Collections.Immutable;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>
/// The Host values an app may use for a service, as cluster DNS resolves them from the caller's namespace:
/// <c>nzbget</c> (same namespace only), <c>nzbget.media</c>, <c>nzbget.media.svc</c>,
/// <c>nzbget.media.svc.cluster.local</c>, each with and without each port. Cached: many callers share them.
/// </summary>
internal sealed class HostNames(CompilerOptions options, IReadOnlyDictionary<ServiceId, ImmutableArray<int>> ports)
{
    private readonly Dictionary<(ServiceId Service, bool SameNamespace), ImmutableArray<string>> _cache = [];

    public ImmutableArray<string> For(ServiceId service, string callerNamespace)
    {
        var sameNamespace = service.Namespace == callerNamespace;
        if (_cache.TryGetValue((service, sameNamespace), out var cached))
        {
            return cached;
        }

        // A declared service that does not exist has no ports: its bare names still match, so it can be refused by name.
        var servicePorts = ports.GetValueOrDefault(service, []);
        var names = new List<string>(4);
        if (sameNamespace)
        {
            names.Add(service.Name);
        }

        names.Add($"{service.Name}.{service.Namespace}");
        names.Add($"{service.Name}.{service.Namespace}.svc");
        names.Add($"{service.Name}.{service.Namespace}.svc.{options.ClusterDomain}");

        var hosts = ImmutableArray.CreateBuilder<string>(names.Count * (1 + servicePorts.Length));
        foreach (var name in names)
        {
            hosts.Add(name);
            foreach (var port in servicePorts)
            {
                hosts.Add($"{name}:{port}");
            }
        }

        var result = hosts.MoveToImmutable();
        _cache[(service, sameNamespace)] = result;
        return result;
    }
}
