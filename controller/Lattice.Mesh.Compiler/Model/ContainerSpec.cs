namespace Lattice.Mesh.Compiler.Model;

public sealed record ContainerSpec
{
    public required string Image { get; init; }

    public IReadOnlyList<string>? Command { get; init; }

    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Environment variables.</summary>
    public required IReadOnlyDictionary<string, string> Variables { get; init; }

    /// <summary>Mounts, keyed by mount path.</summary>
    public required IReadOnlyDictionary<string, ContainerVolumeSpec> Volumes { get; init; }

    public ComputeResources? Resources { get; init; }

    public ProbeSpec? ReadinessProbe { get; init; }

    public ProbeSpec? LivenessProbe { get; init; }

    public ProbeSpec? StartupProbe { get; init; }
}
