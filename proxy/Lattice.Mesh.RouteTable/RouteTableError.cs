namespace Lattice.Mesh.RouteTable;

/// <summary>One reason a route table is refused: the field (a JSON path such as <c>outbound[1].hosts</c>), what is wrong, and the fix.</summary>
public sealed record RouteTableError(string Field, string Message, string Fix)
{
    public override string ToString() => $"{Field}: {Message}. Fix: {Fix}.";
}
