using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// A large mesh built deterministically from a seed: services spread over namespaces, each with one port, and
/// bilateral agreements (the caller declares the callee outbound with its retries and timeout, the callee
/// declares the caller inbound with its rate limit), mostly within a namespace and some across.
/// </summary>
internal static class SyntheticMesh
{
    public static IReadOnlyList<LatticeService> Generate(int serviceCount, int agreementCount, int namespaceCount, double crossNamespaceShare, int seed)
    {
        var random = new Random(seed);
        var ids = Enumerable.Range(0, serviceCount)
            .Select(i => new ServiceId($"team-{i % namespaceCount:D2}", $"svc-{i:D5}"))
            .ToArray();
        var resources = ids.Select(_ => new Dictionary<string, ResourceSpec>(StringComparer.Ordinal)).ToArray();
        var pairs = new HashSet<(int, int)>();
        var perNamespace = serviceCount / namespaceCount;
        while (pairs.Count < agreementCount)
        {
            var caller = random.Next(serviceCount);
            var callee = random.NextDouble() < crossNamespaceShare
                ? random.Next(serviceCount)
                : (random.Next(perNamespace) * namespaceCount) + (caller % namespaceCount);

            // One agreement per pair of services, in one direction: names are unique, so a declaration's key
            // (the other service's name) never collides within a service.
            if (caller == callee || !pairs.Add((Math.Min(caller, callee), Math.Max(caller, callee))))
            {
                continue;
            }

            var (callerId, calleeId) = (ids[caller], ids[callee]);
            resources[caller][calleeId.Name] = new ServiceDependency
            {
                Name = calleeId.Name,
                Direction = Direction.Outbound,
                Namespace = calleeId.Namespace == callerId.Namespace ? null : calleeId.Namespace,
                Retries = random.NextDouble() < 0.3
                    ? new RetryPolicy
                    {
                        Attempts = random.Next(2, 6),
                        PerTryTimeout = random.NextDouble() < 0.5 ? TimeSpan.FromSeconds(random.Next(1, 11)) : null,
                        RetryOn = random.NextDouble() < 0.5 ? [RetryCondition.ServerError, RetryCondition.ConnectFailure] : [RetryCondition.GatewayError],
                    }
                    : null,
                Timeout = random.NextDouble() < 0.4 ? new TimeoutPolicy { Request = TimeSpan.FromSeconds(random.Next(5, 61)) } : null,
            };
            resources[callee][callerId.Name] = new ServiceDependency
            {
                Name = callerId.Name,
                Direction = Direction.Inbound,
                Namespace = callerId.Namespace == calleeId.Namespace ? null : callerId.Namespace,
                RateLimit = random.NextDouble() < 0.2
                    ? new RateLimitSpec(random.Next(10, 1000), 60, random.NextDouble() < 0.5 ? random.Next(1, 100) : null)
                    : null,
            };
        }

        var ports = new Dictionary<string, PortSpec>(StringComparer.Ordinal) { ["http"] = new PortSpec(8080, 8080, "TCP") };
        var services = new LatticeService[serviceCount];
        for (var i = 0; i < serviceCount; i++)
        {
            var id = ids[i];
            services[i] = new LatticeService
            {
                Id = id,
                Source = new SourceLocation($"services/{id.Namespace}/{id.Name}.yaml", 1, 1),
                Spec = new LatticeServiceSpec
                {
                    Replicas = new ReplicaSpec(1 + (i % 3), null),
                    Containers = new Dictionary<string, ContainerSpec>(StringComparer.Ordinal)
                    {
                        ["app"] = new ContainerSpec
                        {
                            Image = $"registry.local/{id.Name}:1.0.0",
                            Variables = new Dictionary<string, string>(StringComparer.Ordinal),
                            Volumes = new Dictionary<string, ContainerVolumeSpec>(StringComparer.Ordinal),
                        },
                    },
                    Ports = ports,
                    Resources = resources[i],
                },
            };
        }

        return services;
    }
}
