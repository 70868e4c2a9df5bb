namespace Lattice.Mesh.Compiler.Model;

/// <summary>A service's key in the mesh: its namespace and name.</summary>
public readonly record struct ServiceId(string Namespace, string Name) : IComparable<ServiceId>
{
    public int CompareTo(ServiceId other)
    {
        var byNamespace = string.CompareOrdinal(Namespace, other.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>Parses <c>namespace/name</c>.</summary>
    public static bool TryParse(string? text, out ServiceId id)
    {
        id = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        id = new ServiceId(text[..slash], text[(slash + 1)..]);
        return true;
    }

    public override string ToString() => $"{Namespace}/{Name}";

    public static bool operator <(ServiceId left, ServiceId right) => left.CompareTo(right) < 0;

    public static bool operator <=(ServiceId left, ServiceId right) => left.CompareTo(right) <= 0;

    public static bool operator >(ServiceId left, ServiceId right) => left.CompareTo(right) > 0;

    public static bool operator >=(ServiceId left, ServiceId right) => left.CompareTo(right) >= 0;
}
