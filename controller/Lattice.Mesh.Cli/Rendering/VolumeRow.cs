using Lattice.Mesh.Compiler.Model;

namespace Lattice.Mesh.Cli.Rendering;

/// <summary>One row of the volume-sharing table: a claim, its owner and everyone who mounts it.</summary>
internal sealed record VolumeRow(string Claim, string Owner, string Size, string AccessMode, IReadOnlyList<string> MountedBy)
{
    public static IReadOnlyList<VolumeRow> From(MeshInput input, Func<ServiceId, string> label)
    {
        var claims = input.Compilation.RouteTables
            .SelectMany(t => t.Value.Volumes.Select(v => (Service: t.Key, Volume: v)))
            .GroupBy(x => (x.Volume.Owner, x.Volume.ClaimName))
            .OrderBy(g => g.Key.Owner, StringComparer.Ordinal).ThenBy(g => g.Key.ClaimName, StringComparer.Ordinal);
        var rows = new List<VolumeRow>();
        foreach (var claim in claims)
        {
            var first = claim.First().Volume;
            _ = ServiceId.TryParse(first.Owner, out var owner);
            var mountedBy = claim
                .OrderBy(x => x.Service)
                .SelectMany(x => x.Volume.Mounts.Select(m => $"{label(x.Service)} {m.MountPath}{(m.SubPath is null ? string.Empty : $" ({m.SubPath})")}{(m.ReadOnly ? " ro" : string.Empty)}"))
                .ToList();
            rows.Add(new VolumeRow(first.ClaimName, label(owner), first.Size, first.AccessMode, mountedBy));
        }

        return rows;
    }
}
