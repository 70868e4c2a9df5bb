namespace Lattice.Mesh.Compiler.Model;

/// <summary>A mount: the volume resource it shows (from <c>source: "${resources.name}"</c>), an optional sub-path, read-only or not.</summary>
public sealed record ContainerVolumeSpec(string Resource, string? SubPath, bool ReadOnly);
