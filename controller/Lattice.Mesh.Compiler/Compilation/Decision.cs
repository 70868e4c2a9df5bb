namespace Lattice.Mesh.Compiler.Compilation;

/// <summary>Whether one service may call another, and why (an explanation a person can act on).</summary>
public sealed record Decision(bool Allowed, string Reason, string? Fix);
