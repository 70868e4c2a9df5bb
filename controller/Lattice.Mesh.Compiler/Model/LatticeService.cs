namespace Lattice.Mesh.Compiler.Model;

/// <summary>A LatticeService (lattice.dev/v1alpha1): one service of the mesh, as its owner declared it.</summary>
public sealed record LatticeService
{
    public const string Group = "lattice.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;
    public const string Kind = "LatticeService";

    public required ServiceId Id { get; init; }

    public long Generation { get; init; }

    public required LatticeServiceSpec Spec { get; init; }

    /// <summary>Where the manifest came from, for messages.</summary>
    public required SourceLocation Source { get; init; }

    /// <summary>Where each field was written, by field path (<c>spec.resources.nzbget.direction</c>), for messages.</summary>
    public IReadOnlyDictionary<string, SourceLocation> FieldLocations { get; init; } = new Dictionary<string, SourceLocation>();

    /// <summary>The location of <paramref name="fieldPath"/>, or of the nearest enclosing field written, or of the manifest.</summary>
    public SourceLocation LocationOf(string fieldPath)
    {
        for (var path = fieldPath; path.Length > 0; path = path[..Math.Max(0, path.LastIndexOf('.'))])
        {
            if (FieldLocations.TryGetValue(path, out var location))
            {
                return location;
            }

            if (!path.Contains('.', StringComparison.Ordinal))
            {
                break;
            }
        }

        return Source;
    }
}
