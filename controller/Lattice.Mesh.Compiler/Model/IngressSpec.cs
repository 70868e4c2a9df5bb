using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Compiler.Model;

/// <summary>Host names the mesh gateway serves for the service, with TLS.</summary>
public sealed record IngressSpec
{
    public required IReadOnlyList<string> Hosts { get; init; }

    public required IngressTlsMode TlsMode { get; init; }

    public string? IssuerName { get; init; }

    public string? IssuerKind { get; init; }

    /// <summary>Given with <c>mode: manual</c>; for <c>auto</c>, the name of the Secret to issue into.</summary>
    public string? SecretName { get; init; }

    /// <summary>The name of the service port the gateway delivers to, when the service has more than one.</summary>
    public string? Port { get; init; }

    public RateLimitSpec? RateLimit { get; init; }
}
