using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using Spectre.Console;

namespace Lattice.Mesh.Cli.Rendering;

/// <summary>The graph for a person: agreement matrix, pending agreements with fixes, the L7 policy table, volumes.</summary>
internal static class TextReport
{
    /// <summary>Past this many services the matrix would not fit a screen; the lists still say everything.</summary>
    private const int MatrixLimit = 24;

    /// <summary>Up to this many services every denied pair is listed with its reason.</summary>
    private const int DenialListLimit = 10;

    public static void Write(IAnsiConsole console, MeshInput input)
    {
        var graph = input.Compilation.Graph;
        var label = PolicyText.Labeller(graph.Services);
        console.MarkupLine($"[bold]Lattice.Mesh[/] {Markup.Escape(input.Path)}: {graph.Services.Count} services, [green]{graph.Agreements.Count} agreements[/], [yellow]{graph.Pending.Count} pending[/]");
        console.WriteLine();

        if (graph.Services.Count is > 0 and <= MatrixLimit)
        {
            WriteMatrix(console, input, label);
        }

        if (graph.Pending.Count > 0)
        {
            var pending = new Table().Title("[yellow]Pending agreements: one side only, nothing allowed yet[/]").AddColumns("Route", "Missing", "Fix");
            foreach (var p in graph.Pending)
            {
                pending.AddRow(Markup.Escape($"{label(p.Caller)} → {label(p.Callee)}"), Markup.Escape(p.Reason), Markup.Escape(p.Fix));
            }

            console.Write(pending);
            console.WriteLine();
        }

        var policies = new Table().Title("[bold]L7 policies[/]").AddColumns("Route", "Retries", "Timeout", "Rate Limit");
        foreach (var row in PolicyRow.From(graph, label))
        {
            policies.AddRow(Markup.Escape(row.Route), Markup.Escape(row.Retries), Markup.Escape(row.Timeout), Markup.Escape(row.RateLimit));
        }

        console.Write(policies);
        console.MarkupLine("[grey]Rate limits count each caller separately; each of N replicas enforces ceil(limit / N).[/]");
        console.WriteLine();

        var volumes = VolumeRow.From(input, label);
        if (volumes.Count > 0)
        {
            var table = new Table().Title("[bold]Volumes[/]").AddColumns("Claim", "Owner", "Size", "Access mode", "Mounted by");
            foreach (var row in volumes)
            {
                table.AddRow(Markup.Escape(row.Claim), Markup.Escape(row.Owner), Markup.Escape(row.Size), Markup.Escape(row.AccessMode), Markup.Escape(string.Join(", ", row.MountedBy)));
            }

            console.Write(table);
            console.WriteLine();
        }

        WriteDiagnostics(console, input.Diagnostics);
    }

    public static void WriteDiagnostics(IAnsiConsole console, IReadOnlyList<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            var colour = diagnostic.IsError ? "red" : "yellow";
            console.MarkupLine($"[{colour}]{Markup.Escape(diagnostic.ToString())}[/]");
        }

        var errors = diagnostics.Count(d => d.IsError);
        var warnings = diagnostics.Count - errors;
        if (diagnostics.Count > 0)
        {
            console.MarkupLine($"[{(errors > 0 ? "red" : "yellow")}]{errors} error(s), {warnings} warning(s)[/]");
        }
    }

    private static void WriteMatrix(IAnsiConsole console, MeshInput input, Func<ServiceId, string> label)
    {
        var graph = input.Compilation.Graph;
        var matrix = new Table().Title("[bold]Agreements (row calls column)[/]").AddColumn("caller \\ callee");
        foreach (var callee in graph.Services)
        {
            matrix.AddColumn(Markup.Escape(label(callee)));
        }

        var pending = graph.Pending.Select(p => (p.Caller, p.Callee)).ToHashSet();
        var denials = new List<(string Route, string Reason)>();
        foreach (var caller in graph.Services)
        {
            var cells = new List<string> { Markup.Escape(label(caller)) };
            foreach (var callee in graph.Services)
            {
                var decision = graph.Explain(caller, callee);
                if (decision.Allowed)
                {
                    cells.Add("[green]allowed[/]");
                }
                else if (pending.Contains((caller, callee)))
                {
                    cells.Add("[yellow]pending[/]");
                }
                else if (caller == callee)
                {
                    cells.Add("[grey]-[/]");
                }
                else
                {
                    cells.Add("[red]denied[/]");
                    if (graph.Services.Count <= DenialListLimit)
                    {
                        denials.Add(($"{label(caller)} → {label(callee)}", decision.Reason));
                    }
                }
            }

            matrix.AddRow(cells.ToArray());
        }

        console.Write(matrix);
        foreach (var (route, reason) in denials)
        {
            console.MarkupLine($"  [red]denied[/] {Markup.Escape(route)}: {Markup.Escape(reason)}");
        }

        console.WriteLine();
    }
}
