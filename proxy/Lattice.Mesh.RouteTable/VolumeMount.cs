namespace Lattice.Mesh.RouteTable;

/// <summary>Where a claim appears in one container.</summary>
public sealed record VolumeMount
{
    public required string Container { get; init; }

    public required string MountPath { get; init; }

    public string? SubPath { get; init; }

    public required bool ReadOnly { get; init; }
}
