namespace Lattice.Mesh.RouteTable;

/// <summary>One named URL of an external destination.</summary>
public sealed record ExternalEndpoint
{
    public required string Name { get; init; }

    public required Uri Url { get; init; }
}
