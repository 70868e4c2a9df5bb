using System.Collections.Immutable;

namespace Lattice.Mesh.RouteTable;

/// <summary>A volume this service uses: its own, or another service's by reference (one claim, no copy).</summary>
public sealed record VolumeClaim
{
    /// <summary>The resource key in this service's manifest.</summary>
    public required string Resource { get; init; }

    /// <summary>The PersistentVolumeClaim's name: <c>&lt;owner&gt;-&lt;volume&gt;</c>.</summary>
    public required string ClaimName { get; init; }

    /// <summary>The owning service's key; equal to this service's for an owned volume.</summary>
    public required string Owner { get; init; }

    public required string Size { get; init; }

    public string? StorageClass { get; init; }

    public required string AccessMode { get; init; }

    public required ImmutableArray<VolumeMount> Mounts { get; init; }

    public bool Equals(VolumeClaim? other) =>
        other is not null
        && Resource == other.Resource
        && ClaimName == other.ClaimName
        && Owner == other.Owner
        && Size == other.Size
        && StorageClass == other.StorageClass
        && AccessMode == other.AccessMode
        && Sequence.Equal(Mounts, other.Mounts);

    public override int GetHashCode() => HashCode.Combine(Resource, ClaimName, Owner, Size, StorageClass, AccessMode, Sequence.Hash(Mounts));
}
