using System.Security.Cryptography;
using System.Text;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Kubernetes;

/// <summary>Names the controller makes up from users' names, kept within what Kubernetes accepts.</summary>
public static class KubernetesNames
{
    /// <summary>The longest object name (a DNS subdomain).</summary>
    public const int MaxName = 253;

    /// <summary>The longest DNS label: a volume name, a label value.</summary>
    public const int MaxLabel = 63;

    private const int HashLength = 10;

    /// <summary>
    /// <paramref name="name"/> when it is a DNS label, else a label made from it: dots become dashes, and when it is
    /// still too long (or was changed) a hash of the whole name is appended to a prefix, so that two names never meet.
    /// </summary>
    public static string Label(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Names.IsDnsLabel(name) ? name : Shorten(name.Replace('.', '-'), name, MaxLabel);
    }

    /// <summary><paramref name="name"/> (a DNS subdomain) when it fits in <see cref="MaxName"/> characters, else a prefix of it and a hash of the whole.</summary>
    public static string Fit(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return name.Length <= MaxName ? name : Shorten(name, name, MaxName);
    }

    private static string Shorten(string text, string original, int max)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(original)))[..HashLength];
        var prefix = text[..Math.Min(text.Length, max - HashLength - 1)].TrimEnd('-', '.');
        return prefix.Length == 0 ? hash : $"{prefix}-{hash}";
    }
}
