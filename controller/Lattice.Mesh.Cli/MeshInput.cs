using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Manifests;

namespace Lattice.Mesh.Cli;

/// <summary>A path read and compiled: what every command starts from.</summary>
internal sealed record MeshInput(string Path, ManifestSet Manifests, MeshCompilation Compilation)
{
    /// <summary>Every finding, reading and compiling: errors first, then by file, line and column.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; } =
        [.. Manifests.Diagnostics.Concat(Compilation.Diagnostics)
            .OrderBy(d => d.Severity)
            .ThenBy(d => d.Location?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location?.Line)
            .ThenBy(d => d.Location?.Column)];

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    public static MeshInput Load(string path, CompilerOptions options)
    {
        var manifests = ManifestLoader.Load(path);
        if (manifests.Services.Count == 0 && !manifests.HasErrors)
        {
            manifests = manifests with
            {
                Diagnostics = [.. manifests.Diagnostics, new Diagnostic
                {
                    Id = DiagnosticIds.NoServices,
                    Severity = Severity.Error,
                    Message = $"no LatticeService found in '{path}' ({manifests.Files.Count} file(s) read, {manifests.OtherDocuments} other document(s))",
                    Fix = "point at a LatticeService manifest, a folder of them, or a folder whose kustomization.yaml lists them",
                }],
            };
        }

        return new MeshInput(path, manifests, MeshCompiler.Compile(manifests.Services, options));
    }
}
