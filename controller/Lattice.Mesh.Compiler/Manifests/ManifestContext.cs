using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>What reading one document shares: its file, the resource once known, the findings and field locations.</summary>
internal sealed class ManifestContext(string file, List<Diagnostic> diagnostics)
{
    public string File { get; } = file;

    /// <summary>e.g. <c>LatticeService media/sonarr</c>, once metadata has been read.</summary>
    public string? Resource { get; set; }

    public Dictionary<string, SourceLocation> Locations { get; } = new(StringComparer.Ordinal);

    public int ErrorCount { get; private set; }

    public SourceLocation LocationOf(YamlNode? node) =>
        node is null ? new SourceLocation(File, 0, 0) : new SourceLocation(File, (int)node.Start.Line, (int)node.Start.Column);

    public void Report(Severity severity, string id, YamlNode? node, string? field, string message, string fix)
    {
        if (severity == Severity.Error)
        {
            ErrorCount++;
        }

        diagnostics.Add(new Diagnostic
        {
            Id = id,
            Severity = severity,
            Message = message,
            Fix = fix,
            Location = LocationOf(node),
            Resource = Resource,
            Field = field,
        });
    }

    public void Error(string id, YamlNode? node, string? field, string message, string fix) =>
        Report(Severity.Error, id, node, field, message, fix);
}
