using System.Text;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Cli.Rendering;

/// <summary>The graph as Mermaid or Graphviz DOT: agreements solid and labelled with their policies, pending ones dashed.</summary>
internal static class GraphDrawing
{
    public static string Mermaid(AgreementGraph graph)
    {
        var label = PolicyText.Labeller(graph.Services);
        var text = new StringBuilder("graph LR\n");
        foreach (var service in AllNodes(graph))
        {
            text.Append("  ").Append(NodeId(service)).Append("[\"").Append(label(service)).Append("\"]\n");
        }

        foreach (var agreement in graph.Agreements)
        {
            text.Append("  ").Append(NodeId(agreement.Caller));
            var policies = EdgeLabel(agreement);
            text.Append(policies.Length > 0 ? $" -->|\"{Quote(policies, '#')}\"| " : " --> ");
            text.Append(NodeId(agreement.Callee)).Append('\n');
        }

        foreach (var pending in graph.Pending)
        {
            text.Append("  ").Append(NodeId(pending.Caller))
                .Append(" -.->|\"pending: ").Append(Quote(pending.Reason, '#')).Append("\"| ")
                .Append(NodeId(pending.Callee)).Append('\n');
        }

        return text.ToString();
    }

    public static string Dot(AgreementGraph graph)
    {
        var label = PolicyText.Labeller(graph.Services);
        var text = new StringBuilder("digraph lattice {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        foreach (var service in AllNodes(graph))
        {
            text.Append("  \"").Append(service).Append("\" [label=\"").Append(label(service)).Append(graph.Contains(service) ? "\"];\n" : "\", style=\"rounded,dashed\"];\n");
        }

        foreach (var agreement in graph.Agreements)
        {
            text.Append("  \"").Append(agreement.Caller).Append("\" -> \"").Append(agreement.Callee)
                .Append("\" [label=\"").Append(Quote(EdgeLabel(agreement), '\\')).Append("\"];\n");
        }

        foreach (var pending in graph.Pending)
        {
            text.Append("  \"").Append(pending.Caller).Append("\" -> \"").Append(pending.Callee)
                .Append("\" [style=dashed, color=gray50, fontcolor=gray50, label=\"pending: ").Append(Quote(pending.Reason, '\\')).Append("\"];\n");
        }

        return text.Append("}\n").ToString();
    }

    /// <summary>"retries: 3 attempts, 5xx/connect-failure, 10s per try; timeout: 30s; rate limit: 1000/min".</summary>
    private static string EdgeLabel(Agreement agreement)
    {
        var parts = new List<string>(3);
        if (agreement.Retries is not null)
        {
            parts.Add($"retries: {PolicyText.Retries(agreement.Retries)}");
        }

        if (PolicyText.Timeout(agreement.Timeout) is var timeout && timeout != PolicyText.None)
        {
            parts.Add($"timeout: {timeout}");
        }

        if (agreement.RateLimit is not null)
        {
            parts.Add($"rate limit: {PolicyText.RateLimit(agreement.RateLimit)}");
        }

        return string.Join("; ", parts);
    }

    /// <summary>Services plus any that pending agreements name but that do not exist.</summary>
    private static IEnumerable<ServiceId> AllNodes(AgreementGraph graph) =>
        graph.Services.Concat(graph.Pending.SelectMany(p => new[] { p.Caller, p.Callee })).Distinct().Order();

    private static string NodeId(ServiceId service) => $"{Safe(service.Namespace)}__{Safe(service.Name)}";

    private static string Safe(string name) => name.Replace('-', '_');

    /// <summary>Escapes double quotes: Mermaid as <c>#quot;</c>, DOT with a backslash.</summary>
    private static string Quote(string text, char style) =>
        style == '#' ? text.Replace("\"", "#quot;", StringComparison.Ordinal) : text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
