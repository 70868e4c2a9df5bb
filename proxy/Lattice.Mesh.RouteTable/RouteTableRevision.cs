using System.Security.Cryptography;
using System.Text.Json;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// The revision is part of the contract: <c>sha256:</c> and the first 16 hex digits of the SHA-256 of the
/// table's JSON with an empty revision. Producers sort every list, so equal content gives an equal revision.
/// </summary>
public static class RouteTableRevision
{
    public const string Prefix = "sha256:";

    /// <summary>The revision <paramref name="table"/>'s content hashes to, whatever revision it carries.</summary>
    public static string Compute(RouteTable table)
    {
        var unstamped = table with { Revision = string.Empty };
        var utf8 = JsonSerializer.SerializeToUtf8Bytes(unstamped, RouteTableJsonContext.Default.RouteTable);
        var hash = SHA256.HashData(utf8);
        return Prefix + Convert.ToHexStringLower(hash, 0, 8);
    }

    /// <summary>The same table carrying the revision its content hashes to.</summary>
    public static RouteTable Stamp(RouteTable table) => table with { Revision = Compute(table) };
}
