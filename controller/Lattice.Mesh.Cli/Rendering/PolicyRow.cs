using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Cli.Rendering;

/// <summary>One row of the L7 policy table, in the seed's shape: Route | Retries | Timeout | Rate Limit.</summary>
internal sealed record PolicyRow(string Route, string Retries, string Timeout, string RateLimit)
{
    /// <summary>
    /// A row per agreement for the caller's policies, then a row per callee for its rate limits: <c>* → nzbget</c>
    /// when every caller gets the same limit (each caller counted separately), a row per caller otherwise.
    /// </summary>
    public static IReadOnlyList<PolicyRow> From(AgreementGraph graph, Func<ServiceId, string> label)
    {
        var rows = graph.Agreements
            .Select(a => new PolicyRow($"{label(a.Caller)} → {label(a.Callee)}", PolicyText.Retries(a.Retries), PolicyText.Timeout(a.Timeout), PolicyText.None))
            .ToList();

        foreach (var callee in graph.Agreements.GroupBy(a => a.Callee).OrderBy(g => g.Key))
        {
            var limits = callee.Select(a => a.RateLimit).Distinct().ToList();
            if (limits is [{ } shared])
            {
                rows.Add(new PolicyRow($"* → {label(callee.Key)}", PolicyText.None, PolicyText.None, PolicyText.RateLimit(shared)));
                continue;
            }

            rows.AddRange(callee.Where(a => a.RateLimit is not null)
                .Select(a => new PolicyRow($"{label(a.Caller)} → {label(a.Callee)}", PolicyText.None, PolicyText.None, PolicyText.RateLimit(a.RateLimit))));
        }

        foreach (var service in graph.Services)
        {
            if (graph[service].Spec.Ingress is { RateLimit: { } limit })
            {
                rows.Add(new PolicyRow($"gateway → {label(service)}", PolicyText.None, PolicyText.None, PolicyText.RateLimit(limit)));
            }
        }

        return rows;
    }
}
