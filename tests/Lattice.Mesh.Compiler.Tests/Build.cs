using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Tests;

/// <summary>LatticeServices built in code, for graphs too large or too random to write as YAML.</summary>
internal static class Build
{
    public static LatticeService Service(string ns, string name, params ResourceSpec[] resources) => new()
    {
        Id = new ServiceId(ns, name),
        Source = new SourceLocation($"{name}.yaml", 1, 1),
        Spec = new LatticeServiceSpec
        {
            Replicas = ReplicaSpec.One,
            Containers = new Dictionary<string, ContainerSpec>
            {
                ["main"] = new() { Image = $"example/{name}:1", Variables = new Dictionary<string, string>(), Volumes = new Dictionary<string, ContainerVolumeSpec>() },
            },
            Ports = new Dictionary<string, PortSpec> { ["http"] = new(8080, 8080, "TCP") },
            Resources = resources.ToDictionary(r => r.Name),
        },
    };

    public static ServiceDependency Dependency(string name, Direction direction, string? ns = null, RetryPolicy? retries = null, TimeoutPolicy? timeout = null, RateLimitSpec? rateLimit = null) =>
        new() { Name = name, Direction = direction, Namespace = ns, Retries = retries, Timeout = timeout, RateLimit = rateLimit };
}
