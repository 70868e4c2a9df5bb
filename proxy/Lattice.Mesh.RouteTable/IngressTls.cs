namespace Lattice.Mesh.RouteTable;

public sealed record IngressTls
{
    public required IngressTlsMode Mode { get; init; }

    /// <summary>The Secret holding tls.crt and tls.key (given for manual; the issued one's name for auto).</summary>
    public required string SecretName { get; init; }

    public string? IssuerName { get; init; }

    public string? IssuerKind { get; init; }
}
