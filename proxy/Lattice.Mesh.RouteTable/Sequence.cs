using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// Value equality for the contract's collections. <see cref="ImmutableArray{T}"/> compares by reference;
/// route tables must compare by content (YARP keeps connection pools across reloads only for equal config).
/// </summary>
public static class Sequence
{
    public static bool Equal<T>(ImmutableArray<T> left, ImmutableArray<T> right)
    {
        if (left.IsDefault || right.IsDefault)
        {
            return left.IsDefault == right.IsDefault;
        }

        return left.AsSpan().SequenceEqual(right.AsSpan());
    }

    public static int Hash<T>(ImmutableArray<T> items)
    {
        if (items.IsDefault)
        {
            return 0;
        }

        var hash = new HashCode();
        foreach (var item in items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }
}
