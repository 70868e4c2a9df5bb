namespace Lattice.Mesh.Proxy.Pipeline;

/// <summary>
/// Headers that speak for a caller's identity. Whatever a client sends in them is removed: the only identity
/// the mesh trusts is the one its mutual TLS proved, which the callee's sidecar passes to its app in
/// <see cref="Caller"/>.
/// </summary>
internal static class IdentityHeaders
{
    /// <summary>The authenticated caller's SPIFFE id, set by the callee's sidecar for its app.</summary>
    public const string Caller = "x-lattice-caller";

    public static readonly string[] Stripped = [Caller, "x-forwarded-client-cert", "x-client-cert", "x-ssl-client-cert"];
}
