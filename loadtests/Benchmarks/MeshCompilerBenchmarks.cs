using BenchmarkDotNet.Attributes;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.LoadTests.Benchmarks;

/// <summary>
/// The compiler on a large mesh: 10,000 services, 25,000 agreements declared on both sides (50,000
/// declarations) across 10 namespaces. The baseline does the least any compiler must: index every declaration
/// by (caller, callee) and count the pairs declared on both sides; Ratio is the compiler's cost relative to it.
/// </summary>
[Config(typeof(InProcessConfig))]
[MemoryDiagnoser]
public class MeshCompilerBenchmarks
{
    private const int Services = 10_000;
    private const int Agreements = 25_000;
    private const int Namespaces = 10;

    private IReadOnlyList<LatticeService> _services = [];

    [GlobalSetup]
    public void Setup()
    {
        _services = SyntheticMesh.Generate(Services, Agreements, Namespaces, crossNamespaceShare: 0.2, seed: 20_251_124);

        // Measure the path that matters: every service compiles, every agreement is live.
        var compilation = MeshCompiler.Compile(_services);
        if (compilation.HasErrors || compilation.RouteTables.Count != Services || compilation.Graph.Agreements.Count != Agreements
            || compilation.Graph.Pending.Count != 0 || IndexDeclarations() != Agreements)
        {
            throw new InvalidOperationException(
                $"the synthetic mesh did not compile as intended: {compilation.RouteTables.Count} tables, {compilation.Graph.Agreements.Count} agreements, " +
                $"{compilation.Graph.Pending.Count} pending, {compilation.Diagnostics.Count} diagnostics");
        }
    }

    [Benchmark(Baseline = true)]
    public int IndexDeclarations()
    {
        var outbound = new Dictionary<(ServiceId Caller, ServiceId Callee), ServiceDependency>();
        var inbound = new Dictionary<(ServiceId Caller, ServiceId Callee), ServiceDependency>();
        foreach (var service in _services)
        {
            foreach (var resource in service.Spec.Resources.Values)
            {
                if (resource is not ServiceDependency dependency)
                {
                    continue;
                }

                var other = new ServiceId(dependency.Namespace ?? service.Id.Namespace, dependency.Name);
                if (dependency.AllowsOutbound)
                {
                    outbound[(service.Id, other)] = dependency;
                }

                if (dependency.AllowsInbound)
                {
                    inbound[(other, service.Id)] = dependency;
                }
            }
        }

        var matches = 0;
        foreach (var pair in outbound.Keys)
        {
            if (inbound.ContainsKey(pair))
            {
                matches++;
            }
        }

        return matches;
    }

    [Benchmark]
    public MeshCompilation Compile() => MeshCompiler.Compile(_services);
}
