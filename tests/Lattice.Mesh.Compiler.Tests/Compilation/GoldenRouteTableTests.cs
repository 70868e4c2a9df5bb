using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.RouteTable;
using YamlDotNet.RepresentationModel;

namespace Lattice.Mesh.Compiler.Tests.Compilation;

/// <summary>
/// examples/media-server compiles to exactly the tables in testassets/media-server/expected. After an intended
/// change, regenerate them with LATTICE_UPDATE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class GoldenRouteTableTests : IDisposable
{
    private static readonly string Expected = Path.Combine(Repository.TestAssets, "media-server", "expected");

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("lattice-golden-");

    /// <summary>The gateway's table is keyed like the others, by its identity.</summary>
    private const string Gateway = "lattice-system.lattice-gateway";

    public static TheoryData<string> Services => ["media.jellyfin", "media.nzbget", "media.sonarr", Gateway];

    [Theory]
    [MemberData(nameof(Services))]
    public void MediaServer_CompilesToTheGoldenTable(string service)
    {
        var tables = Compile(Repository.MediaServer);
        var actual = RouteTableSerializer.Serialize(tables[service]) + "\n";
        var path = Path.Combine(Expected, service + ".json");
        if (Environment.GetEnvironmentVariable("LATTICE_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Expected);
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"no golden table at {path}; run with LATTICE_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void GoldenTables_AreReadBackByTheSidecarAsValid()
    {
        foreach (var file in Directory.EnumerateFiles(Expected, "*.json"))
        {
            var read = RouteTableSerializer.Read(File.ReadAllText(file));
            Assert.True(read.IsValid, $"{file}: {string.Join("; ", read.Errors)}");
        }
    }

    [Fact]
    public void Revision_IsUnchanged_WhenFilesAndKeysAreReordered()
    {
        var original = Compile(Repository.MediaServer);

        // The same manifests as plain files (no kustomization), in the reverse order, every mapping's keys reversed.
        var files = new[] { "sonarr.yaml", "nzbget.yaml", "jellyfin.yaml" };
        for (var i = 0; i < files.Length; i++)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.MediaServer, files[i]))));
            foreach (var document in stream.Documents)
            {
                Reverse(document.RootNode);
            }

            using var writer = new StreamWriter(Path.Combine(_scratch.FullName, $"{i}-{files[i]}"));
            stream.Save(writer, assignAnchors: false);
        }

        var reordered = Compile(_scratch.FullName, namespaceFromManifests: true);

        Assert.Equal(original.Keys.Order(), reordered.Keys.Order());
        foreach (var (service, table) in original)
        {
            Assert.Equal(table.Revision, reordered[service].Revision);
            Assert.Equal(table, reordered[service]);
        }
    }

    [Fact]
    public void Revision_Changes_WhenAPolicyChanges()
    {
        var original = Compile(Repository.MediaServer);
        foreach (var file in Directory.EnumerateFiles(Repository.MediaServer, "*.yaml"))
        {
            var text = File.ReadAllText(file);
            File.WriteAllText(Path.Combine(_scratch.FullName, Path.GetFileName(file)), text.Replace("requestsPerInterval: 1000", "requestsPerInterval: 999", StringComparison.Ordinal));
        }

        var changed = Compile(_scratch.FullName);

        Assert.NotEqual(original["media.nzbget"].Revision, changed["media.nzbget"].Revision);
        Assert.Equal(original["media.sonarr"].Revision, changed["media.sonarr"].Revision);
        Assert.Equal(original["media.jellyfin"].Revision, changed["media.jellyfin"].Revision);
        Assert.Equal(original[Gateway].Revision, changed[Gateway].Revision);
    }

    [Fact]
    public void GatewayRevision_Changes_WhenAnIngressChanges()
    {
        var original = Compile(Repository.MediaServer);
        foreach (var file in Directory.EnumerateFiles(Repository.MediaServer, "*.yaml"))
        {
            var text = File.ReadAllText(file);
            File.WriteAllText(Path.Combine(_scratch.FullName, Path.GetFileName(file)), text.Replace("hosts: [sonarr.home.local]", "hosts: [tv.home.local]", StringComparison.Ordinal));
        }

        var changed = Compile(_scratch.FullName);

        Assert.NotEqual(original[Gateway].Revision, changed[Gateway].Revision);
        Assert.Equal(["jellyfin.home.local", "tv.home.local"], changed[Gateway].Gateway.Select(h => h.Host));
        Assert.Equal(original["media.jellyfin"].Revision, changed["media.jellyfin"].Revision);
    }

    public void Dispose() => _scratch.Delete(recursive: true);

    private static Dictionary<string, RouteTable.RouteTable> Compile(string path, bool namespaceFromManifests = false)
    {
        var manifests = ManifestLoader.Load(path);
        Assert.False(manifests.HasErrors, string.Join(Environment.NewLine, manifests.Diagnostics));
        Assert.Equal(3, manifests.Services.Count);
        Assert.True(namespaceFromManifests || manifests.Services.All(s => s.Id.Namespace == "media"));
        var mesh = MeshCompiler.Compile(manifests.Services);
        Assert.False(mesh.HasErrors, string.Join(Environment.NewLine, mesh.Diagnostics));
        var tables = mesh.RouteTables.ToDictionary(p => $"{p.Key.Namespace}.{p.Key.Name}", p => p.Value);
        Assert.NotNull(mesh.GatewayTable);
        tables.Add($"{mesh.GatewayTable.Service.Namespace}.{mesh.GatewayTable.Service.Name}", mesh.GatewayTable);
        return tables;
    }

    private static void Reverse(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var children = mapping.Children.Reverse().ToList();
                mapping.Children.Clear();
                foreach (var (key, value) in children)
                {
                    Reverse(value);
                    mapping.Children.Add(key, value);
                }

                break;
            case YamlSequenceNode sequence:
                foreach (var child in sequence.Children)
                {
                    Reverse(child);
                }

                break;
        }
    }
}
