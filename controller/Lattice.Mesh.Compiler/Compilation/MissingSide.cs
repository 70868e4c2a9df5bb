namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>Which half of an agreement is missing.</summary>
public enum MissingSide
{
    /// <summary>The callee declared the caller inbound; the caller declares no outbound.</summary>
    CallerOutbound,

    /// <summary>The caller declared the callee outbound; the callee declares no inbound.</summary>
    CalleeInbound,

    /// <summary>The other side does not exist: no LatticeService by that name.</summary>
    ServiceMissing,
}
