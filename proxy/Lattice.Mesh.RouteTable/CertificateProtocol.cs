using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lattice.Mesh.RouteTable;

/// <summary>
/// How a sidecar gets its workload certificate. It makes its own key (which never leaves it), sends a PKCS#10
/// signing request as PEM to <see cref="IssuePath"/> over TLS, with its bootstrap credential as a bearer token,
/// and receives an <see cref="IssuedCertificate"/>. The credential alone decides the identity: the controller
/// reads only the public key from the request, so a request naming another service still gets the caller's own
/// SPIFFE id. Locally the credential is a token that <c>lattice-mesh up</c> hands each sidecar; in Kubernetes it
/// is the pod's projected ServiceAccount token for <see cref="TokenAudience"/>, checked with a TokenReview.
/// </summary>
public static class CertificateProtocol
{
    public const string IssuePath = "/v1/certificates";

    /// <summary>The request body: one PEM "CERTIFICATE REQUEST".</summary>
    public const string RequestContentType = "application/pkcs10";

    /// <summary>A signing request is well under 2 KiB; anything above this is refused unread.</summary>
    public const int MaxRequestBytes = 16 * 1024;

    /// <summary>The audience of the projected ServiceAccount token a sidecar in Kubernetes presents.</summary>
    public const string TokenAudience = "lattice-mesh";

    public static IssuedCertificate? ReadIssued(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CertificateJsonContext.Default.IssuedCertificate);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] Serialize(IssuedCertificate issued) =>
        JsonSerializer.SerializeToUtf8Bytes(issued, CertificateJsonContext.Default.IssuedCertificate);
}

/// <summary>
/// A workload certificate as the controller returns it. There is no private key: the sidecar made it and kept it.
/// <see cref="RenewAt"/> is half-way through the certificate's life counted from issue, when the sidecar asks again.
/// </summary>
/// <param name="SpiffeId">The identity the certificate carries.</param>
/// <param name="CertificateChain">PEM: the workload certificate, then any intermediates.</param>
/// <param name="TrustBundle">PEM: the CA certificates the workload trusts.</param>
/// <param name="NotBefore">The start of the certificate's validity (a little before issue, for clock skew).</param>
/// <param name="NotAfter">When the certificate expires.</param>
/// <param name="RenewAt">When to ask for the next one.</param>
public sealed record IssuedCertificate(
    string SpiffeId,
    string CertificateChain,
    string TrustBundle,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    DateTimeOffset RenewAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectRequiredConstructorParameters = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(IssuedCertificate))]
internal sealed partial class CertificateJsonContext : JsonSerializerContext;
