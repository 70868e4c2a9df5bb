namespace Lattice.Mesh.Compiler.Model;

public sealed record HttpGetAction(string Path, int Port, string Scheme);
