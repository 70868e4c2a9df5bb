namespace Lattice.Mesh.Compiler.Diagnostics;

public enum Severity
{
    /// <summary>The resource cannot be used as written.</summary>
    Error,

    /// <summary>The resource works, but probably not as meant.</summary>
    Warning,
}
