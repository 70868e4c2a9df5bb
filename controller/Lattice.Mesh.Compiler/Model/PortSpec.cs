namespace Lattice.Mesh.Compiler.Model;

/// <summary>A port of the service's <c>service.ports</c>; <see cref="TargetPort"/> is the container port (defaults to <see cref="Port"/>).</summary>
public sealed record PortSpec(int Port, int TargetPort, string Protocol);
