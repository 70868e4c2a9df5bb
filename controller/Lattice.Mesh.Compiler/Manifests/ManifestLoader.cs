using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>
/// Loads LatticeServices from a file, a folder, or a kustomization, reading them as <c>kubectl apply -k</c>
/// (or <c>-f</c>) would: a kustomization's <c>resources:</c> recursively, its <c>namespace:</c> applied to
/// everything beneath it; a plain folder's .yaml, .yml and .json files, not recursively.
/// </summary>
public static class ManifestLoader
{
    private static readonly string[] KustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    /// <summary>Kustomization fields that change resources in ways this reader does not reproduce.</summary>
    private static readonly string[] UnsupportedTransforms =
        ["namePrefix", "nameSuffix", "patches", "patchesStrategicMerge", "patchesJson6902", "replacements", "components", "helmCharts", "vars"];

    public static ManifestSet Load(string path)
    {
        var loader = new Walk();
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            loader.Folder(full, namespaceOverride: null, via: null);
        }
        else if (File.Exists(full))
        {
            if (KustomizationNames.Contains(Path.GetFileName(full)))
            {
                loader.Kustomization(full, namespaceOverride: null);
            }
            else
            {
                loader.File(full, namespaceOverride: null);
            }
        }
        else
        {
            loader.Diagnostics.Add(new Diagnostic
            {
                Id = DiagnosticIds.PathNotFound,
                Severity = Severity.Error,
                Message = $"'{path}' does not exist",
                Fix = "give a LatticeService manifest, a folder of manifests, or a folder with a kustomization.yaml",
            });
        }

        return new ManifestSet
        {
            Services = loader.Services,
            Diagnostics = loader.Diagnostics,
            Files = loader.Files,
            OtherDocuments = loader.Others,
        };
    }

    private static string Display(string fullPath)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) ? fullPath : relative;
    }

    private sealed class Walk
    {
        private readonly Stack<string> _kustomizations = new();
        private readonly HashSet<string> _filesRead = new(StringComparer.Ordinal);

        public List<LatticeService> Services { get; } = [];

        public List<Diagnostic> Diagnostics { get; } = [];

        public List<string> Files { get; } = [];

        public int Others { get; private set; }

        public void Folder(string folder, string? namespaceOverride, SourceLocation? via)
        {
            var kustomization = KustomizationNames.Select(name => Path.Combine(folder, name)).FirstOrDefault(System.IO.File.Exists);
            if (kustomization is not null)
            {
                Kustomization(kustomization, namespaceOverride);
                return;
            }

            if (via is not null)
            {
                // kubectl: a directory in resources: must itself be a kustomization.
                Diagnostics.Add(new Diagnostic
                {
                    Id = DiagnosticIds.PathNotFound,
                    Severity = Severity.Error,
                    Message = $"'{Display(folder)}' is a folder without a kustomization.yaml",
                    Fix = "add a kustomization.yaml to that folder, or list its files one by one",
                    Location = via,
                });
                return;
            }

            var files = Directory.EnumerateFiles(folder)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal);
            foreach (var file in files)
            {
                File(file, namespaceOverride);
            }
        }

        public void File(string file, string? namespaceOverride)
        {
            if (!_filesRead.Add(file + "\n" + namespaceOverride))
            {
                return;
            }

            Files.Add(Display(file));
            string text;
            try
            {
                text = System.IO.File.ReadAllText(file);
            }
            catch (IOException exception)
            {
                Unreadable(file, exception.Message);
                return;
            }
            catch (UnauthorizedAccessException exception)
            {
                Unreadable(file, exception.Message);
                return;
            }

            Others += ManifestReader.Read(text, Display(file), namespaceOverride, Services, Diagnostics);
        }

        public void Kustomization(string file, string? namespaceOverride)
        {
            var folder = Path.GetDirectoryName(file)!;
            if (_kustomizations.Contains(folder))
            {
                Diagnostics.Add(new Diagnostic
                {
                    Id = DiagnosticIds.KustomizationCycle,
                    Severity = Severity.Error,
                    Message = $"kustomizations include each other in a cycle: {string.Join(" -> ", _kustomizations.Reverse().Append(folder).Select(Display))}",
                    Fix = "remove one of the resources: entries that closes the cycle",
                    Location = new SourceLocation(Display(file), 0, 0),
                });
                return;
            }

            Files.Add(Display(file));
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(System.IO.File.ReadAllText(file)));
            }
            catch (YamlException exception)
            {
                Diagnostics.Add(new Diagnostic
                {
                    Id = DiagnosticIds.YamlSyntax,
                    Severity = Severity.Error,
                    Message = $"the kustomization is not valid YAML: {exception.Message}",
                    Fix = "correct the YAML at this line",
                    Location = new SourceLocation(Display(file), (int)exception.Start.Line, (int)exception.Start.Column),
                });
                return;
            }

            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                return;
            }

            var context = new ManifestContext(Display(file), Diagnostics) { Resource = "Kustomization" };
            var reader = new MappingReader(context, root, string.Empty);

            // kustomize applies a parent's namespace after the child's, so the outermost one wins.
            var ownNamespace = reader.Name("namespace");
            var effectiveNamespace = namespaceOverride ?? ownNamespace;
            foreach (var field in UnsupportedTransforms.Where(reader.Has))
            {
                context.Report(Severity.Warning, DiagnosticIds.KustomizationUnsupported, root, field, $"lattice-mesh does not apply kustomize's {field}, so what it reads may differ from what kubectl applies", $"apply {field} to non-LatticeService resources only, or render with kubectl kustomize and point lattice-mesh at the output");
            }

            _kustomizations.Push(folder);
            foreach (var listName in new[] { "resources", "bases" })
            {
                foreach (var (node, path) in reader.Items(listName))
                {
                    if (reader.AsString(node, path) is not { } entry)
                    {
                        continue;
                    }

                    var location = context.LocationOf(node);
                    if (entry.Contains("://", StringComparison.Ordinal) || entry.StartsWith("github.com/", StringComparison.Ordinal))
                    {
                        context.Report(Severity.Warning, DiagnosticIds.KustomizationUnsupported, node, path, $"remote resource '{entry}' is not read", "vendor the remote manifests into the repository and list them by path");
                        continue;
                    }

                    var target = Path.GetFullPath(Path.Combine(folder, entry));
                    if (Directory.Exists(target))
                    {
                        Folder(target, effectiveNamespace, location);
                    }
                    else if (System.IO.File.Exists(target))
                    {
                        File(target, effectiveNamespace);
                    }
                    else
                    {
                        context.Error(DiagnosticIds.PathNotFound, node, path, $"'{entry}' does not exist (looked for {Display(target)})", "correct the path, relative to the kustomization's folder, or remove the entry");
                    }
                }
            }

            _kustomizations.Pop();
        }

        private void Unreadable(string file, string why) =>
            Diagnostics.Add(new Diagnostic
            {
                Id = DiagnosticIds.UnreadableFile,
                Severity = Severity.Error,
                Message = $"the file could not be read: {why}",
                Fix = "check that the file exists and is readable",
                Location = new SourceLocation(Display(file), 0, 0),
            });
    }
}
