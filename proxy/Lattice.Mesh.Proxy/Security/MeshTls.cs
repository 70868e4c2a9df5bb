using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// Mutual TLS between sidecars, on both ends: each presents the certificate in force in its
/// <see cref="MeshCertificateStore"/> (read per handshake, so a rotation needs no restart and no new handler) and
/// accepts a peer only if it chains to the mesh trust bundle and carries a SPIFFE id. The host name plays no
/// part: the SPIFFE id is the identity.
/// </summary>
public static class MeshTls
{
    /// <summary>TLS 1.2 and 1.3 only.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Callers whose certificate passed <see cref="ConfigureServer"/>'s check, by certificate instance (one per connection).</summary>
    private static readonly ConditionalWeakTable<X509Certificate2, string> ValidatedCallers = new();

    /// <summary>
    /// Makes a Kestrel HTTPS listener a mesh listener: it serves the store's current certificate, requires a client
    /// certificate and accepts only a valid mesh peer (see <see cref="SpiffeHttpContextExtensions.GetCallerSpiffeId"/>
    /// for who it was). Until the store is ready every handshake fails. With <paramref name="requireClientCertificate"/>
    /// false (the controller, whose certificate endpoint serves sidecars that have none yet) a client may present no
    /// certificate and is then nobody; one it does present must still be a valid mesh peer.
    /// </summary>
    public static void ConfigureServer(HttpsConnectionAdapterOptions options, MeshCertificateStore store, bool requireClientCertificate = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        options.ServerCertificate = null;
        options.ServerCertificateSelector = (_, _) => store.Current?.Certificate;
        options.ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate;
        options.CheckCertificateRevocation = false;
        options.SslProtocols = Protocols;
        options.ClientCertificateValidation = (certificate, chain, errors) => AcceptCaller(store, certificate, chain, errors);
        options.OnAuthenticate = (_, ssl) =>
        {
            ssl.CertificateChainPolicy = PlatformCheck;
            if (store.Current is { } current)
            {
                // The certificate in force with its chain, built once per certificate; the selector alone would
                // have every handshake build it afresh, against the system roots.
                ssl.ServerCertificateSelectionCallback = null;
                ssl.ServerCertificateContext = current.TlsContext;
            }
        };
    }

    /// <summary>
    /// Makes a client (a <see cref="SocketsHttpHandler"/>'s <c>SslOptions</c>) a mesh client towards one destination: it
    /// presents the store's current certificate and accepts the server only if it is <paramref name="expectedServerSpiffeId"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="expectedServerSpiffeId"/> is not a workload SPIFFE id.</exception>
    public static void ConfigureClient(SslClientAuthenticationOptions options, MeshCertificateStore store, string expectedServerSpiffeId)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(expectedServerSpiffeId);
        if (!SpiffeId.TryParse(expectedServerSpiffeId, out _, out _, out _))
        {
            throw new ArgumentException($"'{expectedServerSpiffeId}' is not a workload SPIFFE id; use {SpiffeId.Scheme}<trust domain>/ns/<namespace>/sa/<service account>.", nameof(expectedServerSpiffeId));
        }

        options.EnabledSslProtocols = Protocols;
        options.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        options.ClientCertificates = null;
        options.LocalCertificateSelectionCallback = (_, _, _, _, _) => store.Current?.Certificate!;
        options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => AcceptServer(store, certificate, chain, errors, expectedServerSpiffeId);
        options.CertificateChainPolicy = PlatformCheck;
    }

    /// <summary>
    /// The chain policy of the platform's own check, which runs before every peer check of ours and whose verdict ours
    /// replaces (see <see cref="AcceptCaller"/>). By default it loads the system's roots into a fresh store on every
    /// handshake and sorts them, about a fifth of a handshake's CPU; pointed at no roots it fails at once and costs
    /// nothing, and the certificates the peer sent still reach our check in its <c>ExtraStore</c>. SslStream copies
    /// it per handshake, so one instance serves all.
    /// </summary>
    private static readonly X509ChainPolicy PlatformCheck = new()
    {
        TrustMode = X509ChainTrustMode.CustomRootTrust,
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
    };

    /// <summary>The SPIFFE id recorded when <paramref name="certificate"/> passed a mesh listener's check.</summary>
    internal static bool TryGetValidatedCaller(X509Certificate2 certificate, out string spiffeId)
    {
        if (ValidatedCallers.TryGetValue(certificate, out var id))
        {
            spiffeId = id;
            return true;
        }

        spiffeId = string.Empty;
        return false;
    }

    // The platform's verdict (sslPolicyErrors) is against the system roots and the host name, neither of which the
    // mesh uses: ValidatePeer replaces it. Only a missing certificate is taken from it.
    private static bool AcceptCaller(MeshCertificateStore store, X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            SecurityLog.PeerWithoutCertificate(store.Logger, "caller", "any mesh workload");
            return false;
        }

        if (!store.ValidatePeer(certificate, chain?.ChainPolicy.ExtraStore, expectedSpiffeId: null, MeshChain.ClientAuthentication, out var spiffeId, out var failure))
        {
            SecurityLog.PeerRejected(store.Logger, "caller", failure);
            return false;
        }

        ValidatedCallers.AddOrUpdate(certificate, spiffeId);
        return true;
    }

    private static bool AcceptServer(MeshCertificateStore store, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string expected)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            SecurityLog.PeerWithoutCertificate(store.Logger, "server", expected);
            return false;
        }

        var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!store.ValidatePeer(server, chain?.ChainPolicy.ExtraStore, expected, MeshChain.ServerAuthentication, out _, out var failure))
        {
            SecurityLog.PeerRejected(store.Logger, "server", failure);
            return false;
        }

        return true;
    }
}
