namespace Lattice.Mesh.Compiler.Model;

/// <summary>Another service's volume, mounted by reference (<c>ref: nzbget.downloads</c>): one claim, no copy.</summary>
public sealed record VolumeReference : ResourceSpec
{
    public required string OwnerService { get; init; }

    public required string OwnerVolume { get; init; }
}
