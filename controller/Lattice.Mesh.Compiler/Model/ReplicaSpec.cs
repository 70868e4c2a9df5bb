namespace Lattice.Mesh.Compiler.Model;

/// <summary>How many replicas run: at least <see cref="Min"/>, and at most <see cref="Max"/> when given.</summary>
public sealed record ReplicaSpec(int Min, int? Max)
{
    public static readonly ReplicaSpec One = new(1, null);
}
