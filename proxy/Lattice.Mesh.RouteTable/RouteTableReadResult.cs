using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Lattice.Mesh.RouteTable;

/// <summary>A table that passed every check, or every reason it did not.</summary>
public sealed record RouteTableReadResult
{
    public RouteTable? Table { get; init; }

    public required ImmutableArray<RouteTableError> Errors { get; init; }

    [MemberNotNullWhen(true, nameof(Table))]
    public bool IsValid => Table is not null && Errors.IsEmpty;
}
