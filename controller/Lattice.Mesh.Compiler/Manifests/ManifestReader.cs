using Lattice.Mesh.Compiler.Diagnostics;
using Lattice.Mesh.Compiler.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Manifests;

/// <summary>
/// Reads the documents of one YAML (or JSON) text: LatticeServices are bound, other kinds passed over.
/// Pure: text in, services and findings out. <see cref="ManifestLoader"/> does the file system.
/// </summary>
public static class ManifestReader
{
    /// <summary>Reads every document of <paramref name="text"/>; <paramref name="file"/> labels the findings.</summary>
    /// <param name="text">One or more YAML documents (JSON is YAML too: API objects read the same way).</param>
    /// <param name="file">The file name, or a label such as the API object's path, used in messages.</param>
    /// <param name="namespaceOverride">A kustomization's <c>namespace:</c>, which wins over metadata.namespace.</param>
    /// <param name="services">Where read services are added.</param>
    /// <param name="diagnostics">Where findings are added.</param>
    /// <returns>The number of documents of other kinds that were passed over.</returns>
    public static int Read(string text, string file, string? namespaceOverride, ICollection<LatticeService> services, List<Diagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(services);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException exception)
        {
            diagnostics.Add(new Diagnostic
            {
                Id = DiagnosticIds.YamlSyntax,
                Severity = Severity.Error,
                Message = $"the file is not valid YAML: {Unwrap(exception)}",
                Fix = "correct the YAML at this line (indentation, a missing ':' or an unclosed quote are the usual causes); no document of this file was read",
                Location = new SourceLocation(file, (int)exception.Start.Line, (int)exception.Start.Column),
            });
            return 0;
        }

        var others = 0;
        foreach (var document in stream.Documents)
        {
            var context = new ManifestContext(file, diagnostics);
            if (YamlScalars.KindOf(document.RootNode) == YamlScalars.Kind.Null)
            {
                continue; // an empty document, e.g. after a trailing '---'
            }

            if (document.RootNode is not YamlMappingNode mapping)
            {
                context.Error(DiagnosticIds.NotAnObject, document.RootNode, null, $"a document is {YamlScalars.Describe(document.RootNode)}, not a Kubernetes object", "each document must be a mapping with apiVersion, kind and metadata");
                continue;
            }

            if (ReadDocument(context, new MappingReader(context, mapping, string.Empty), namespaceOverride, services) == DocumentKind.Other)
            {
                others++;
            }
        }

        return others;
    }

    private enum DocumentKind
    {
        LatticeService,
        Other,
        Invalid,
    }

    private static DocumentKind ReadDocument(ManifestContext context, MappingReader root, string? namespaceOverride, ICollection<LatticeService> services)
    {
        var apiVersion = root.String("apiVersion");
        var kind = root.String("kind");
        if (apiVersion is null || kind is null)
        {
            var missing = apiVersion is null ? "apiVersion" : "kind";
            context.Error(DiagnosticIds.MissingField, root.Node, missing, $"a document has no {missing}, so it is not a Kubernetes object", $"add apiVersion: {LatticeService.ApiVersion} and kind: {LatticeService.Kind}");
            return DocumentKind.Invalid;
        }

        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
        if (kind != LatticeService.Kind)
        {
            if (group != LatticeService.Group)
            {
                return DocumentKind.Other;
            }

            var suggestion = Suggestions.Closest(kind, [LatticeService.Kind]);
            context.Error(DiagnosticIds.InvalidValue, root.Get("kind"), "kind", $"'{kind}' is not a kind of {LatticeService.Group}", suggestion is null ? $"use kind: {LatticeService.Kind}" : $"did you mean '{suggestion}'?");
            return DocumentKind.Invalid;
        }

        if (apiVersion != LatticeService.ApiVersion)
        {
            context.Error(DiagnosticIds.UnsupportedApiVersion, root.Get("apiVersion"), "apiVersion", $"'{apiVersion}' is not a version of LatticeService this build reads", $"use apiVersion: {LatticeService.ApiVersion}");
            return DocumentKind.Invalid;
        }

        var service = LatticeServiceReader.Read(context, root, namespaceOverride);
        if (service is null)
        {
            return DocumentKind.Invalid;
        }

        services.Add(service);
        return DocumentKind.LatticeService;
    }

    private static string Unwrap(YamlException exception)
    {
        // YamlDotNet prefixes its messages with the position, which the location already gives.
        var message = exception.InnerException is YamlException inner ? inner.Message : exception.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return (cut >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(cut + 3)..] : message).TrimEnd('.');
    }
}
