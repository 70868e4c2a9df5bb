using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using static Lattice.Mesh.Compiler.Tests.Build;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

/// <summary>
/// Random meshes of a few hundred services: the compiler's answer for every ordered pair equals a brute-force
/// evaluation of the rule straight from the declarations. Seeds are fixed, so a failure reproduces.
/// </summary>
public sealed class RandomGraphTests
{
    private static readonly string[] Namespaces = ["media", "apps", "infra"];

    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 300)]
    [InlineData(3, 200)]
    [InlineData(4, 50)]
    public void Agreements_EqualBruteForceEvaluationOfTheRule(int seed, int count)
    {
        var services = Generate(new Random(seed), count);
        var mesh = MeshCompiler.Compile(services);

        var expected = new HashSet<(ServiceId, ServiceId)>();
        foreach (var caller in services)
        {
            foreach (var callee in services)
            {
                if (Declares(caller, callee.Id, outbound: true) && Declares(callee, caller.Id, outbound: false))
                {
                    expected.Add((caller.Id, callee.Id));
                }
            }
        }

        var actual = mesh.Graph.Agreements.Select(a => (a.Caller, a.Callee)).ToHashSet();
        Assert.True(expected.Count > count / 4, $"the generator should produce plenty of agreements, got {expected.Count}");
        Assert.Equal(expected.Order(), actual.Order());

        foreach (var caller in services)
        {
            var table = mesh.RouteTables[caller.Id];
            Assert.Equal(
                expected.Where(e => e.Item1 == caller.Id).Select(e => e.Item2.ToString()).Order(StringComparer.Ordinal),
                table.Outbound.Select(d => d.Service));
            Assert.Equal(
                expected.Where(e => e.Item2 == caller.Id).Select(e => e.Item1.ToString()).Order(StringComparer.Ordinal),
                table.Inbound.Select(c => c.Service));
            foreach (var callee in services)
            {
                Assert.Equal(expected.Contains((caller.Id, callee.Id)), mesh.Graph.Explain(caller.Id, callee.Id).Allowed);
            }
        }
    }

    [Theory]
    [InlineData(5, 300)]
    [InlineData(6, 100)]
    public void Pending_IsExactlyEveryOneSidedDeclaration(int seed, int count)
    {
        var services = Generate(new Random(seed), count);
        var mesh = MeshCompiler.Compile(services);
        var ids = services.Select(s => s.Id).ToHashSet();

        var oneSided = new HashSet<(ServiceId, ServiceId)>();
        foreach (var service in services)
        {
            foreach (var dependency in service.Spec.Resources.Values.OfType<ServiceDependency>())
            {
                var other = new ServiceId(dependency.Namespace ?? service.Id.Namespace, dependency.Name);
                var otherService = services.FirstOrDefault(s => s.Id == other);
                if (dependency.AllowsOutbound && (otherService is null || !Declares(otherService, service.Id, outbound: false)))
                {
                    oneSided.Add((service.Id, other));
                }

                if (dependency.AllowsInbound && (otherService is null || !Declares(otherService, service.Id, outbound: true)))
                {
                    oneSided.Add((other, service.Id));
                }
            }
        }

        Assert.Equal(oneSided.Order(), mesh.Graph.Pending.Select(p => (p.Caller, p.Callee)).Order());
        Assert.All(mesh.Graph.Pending, p => Assert.Equal(
            !ids.Contains(p.Caller) || !ids.Contains(p.Callee),
            p.Missing == MissingSide.ServiceMissing));
    }

    /// <summary>Does <paramref name="service"/> declare <paramref name="other"/> in the given direction?</summary>
    private static bool Declares(LatticeService service, ServiceId other, bool outbound) =>
        service.Spec.Resources.Values.OfType<ServiceDependency>().Any(d =>
            d.Name == other.Name
            && (d.Namespace ?? service.Id.Namespace) == other.Namespace
            && (outbound ? d.Direction is Direction.Outbound or Direction.Both : d.Direction is Direction.Inbound or Direction.Both));

    private static List<LatticeService> Generate(Random random, int count)
    {
        // Names repeat across namespaces (so namespace mistakes would show), and a few declared names exist nowhere.
        var ids = Enumerable.Range(0, count).Select(i => new ServiceId(Namespaces[i % Namespaces.Length], $"s{i / 2}")).Distinct().ToList();
        var services = new List<LatticeService>();
        foreach (var id in ids)
        {
            var dependencies = new Dictionary<string, ServiceDependency>();
            var declarations = random.Next(0, 12);
            for (var i = 0; i < declarations; i++)
            {
                var target = random.Next(20) == 0 ? new ServiceId(id.Namespace, $"ghost{random.Next(5)}") : ids[random.Next(ids.Count)];
                // Bias towards reciprocity so that agreements are common: declare the other side now and then.
                var direction = (Direction)random.Next(3);
                var ns = target.Namespace == id.Namespace && random.Next(4) > 0 ? null : target.Namespace;
                dependencies[target.Name] = Dependency(target.Name, direction, ns);
            }

            services.Add(Service(id.Namespace, id.Name, [.. dependencies.Values]));
        }

        // Close a random half of the one-sided outbound declarations, so the graph has many live edges.
        var byId = services.ToDictionary(s => s.Id);
        foreach (var service in services.ToList())
        {
            foreach (var dependency in service.Spec.Resources.Values.OfType<ServiceDependency>().Where(d => d.AllowsOutbound))
            {
                var target = new ServiceId(dependency.Namespace ?? service.Id.Namespace, dependency.Name);
                if (!byId.TryGetValue(target, out var callee) || random.Next(2) == 0 || callee.Spec.Resources.ContainsKey(service.Id.Name))
                {
                    continue;
                }

                var reply = Dependency(service.Id.Name, Direction.Inbound, service.Id.Namespace == target.Namespace ? null : service.Id.Namespace);
                var resources = new Dictionary<string, ResourceSpec>(callee.Spec.Resources) { [reply.Name] = reply };
                byId[target] = callee with { Spec = callee.Spec with { Resources = resources } };
            }
        }

        return [.. byId.Values];
    }
}
