namespace Lattice.Mesh.Compiler.Model;

/// <summary>A volume the service owns: its claim is created with this size, class and access mode.</summary>
public sealed record OwnedVolume : ResourceSpec
{
    /// <summary>A Kubernetes quantity such as <c>500Gi</c>.</summary>
    public required string Size { get; init; }

    public string? StorageClass { get; init; }

    public required string AccessMode { get; init; }
}
