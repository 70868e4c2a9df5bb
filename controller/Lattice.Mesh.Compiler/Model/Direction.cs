namespace Lattice.Mesh.Compiler.Model;

/// <summary>Which way a service dependency goes, from the declaring service's side.</summary>
public enum Direction
{
    /// <summary>The declaring service calls the other (the default).</summary>
    Outbound,

    /// <summary>The other service calls the declaring one.</summary>
    Inbound,

    /// <summary>Both.</summary>
    Both,
}
