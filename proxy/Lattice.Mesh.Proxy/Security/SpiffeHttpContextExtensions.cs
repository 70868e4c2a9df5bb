namespace Lattice.Mesh.Proxy.Security;

/// <summary>Who is calling, as request handling code asks it.</summary>
public static class SpiffeHttpContextExtensions
{
    /// <summary>
    /// The caller's SPIFFE id as its mutual TLS handshake proved it, or null. Fails closed: only a client certificate
    /// that passed <see cref="MeshTls.ConfigureServer"/>'s check counts, so a connection through any other listener
    /// (plain HTTP, or HTTPS without the mesh's check) has no caller, whatever certificate it sent. The id is recorded
    /// once per connection, at the handshake; this is a lookup, not a parse.
    /// </summary>
    public static string? GetCallerSpiffeId(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Connection.ClientCertificate is { } certificate && MeshTls.TryGetValidatedCaller(certificate, out var spiffeId)
            ? spiffeId
            : null;
    }
}
