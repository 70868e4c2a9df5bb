namespace Lattice.Mesh.Compiler.Model;

/// <summary>Where something was written: a file (or a label such as an API object's name) and a 1-based line and column.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}
