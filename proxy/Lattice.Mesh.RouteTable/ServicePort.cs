namespace Lattice.Mesh.RouteTable;

/// <summary>A port the app listens on: traffic for <see cref="Port"/> is delivered to 127.0.0.1:<see cref="TargetPort"/>.</summary>
public sealed record ServicePort
{
    public required string Name { get; init; }

    public required int Port { get; init; }

    public required int TargetPort { get; init; }

    public required string Protocol { get; init; }
}
