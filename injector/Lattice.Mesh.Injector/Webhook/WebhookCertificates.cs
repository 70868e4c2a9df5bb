using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Injector.Webhook;

/// <summary>
/// The webhook's own TLS, with no cert-manager: a small CA of its own and a serving certificate for its Service
/// name (and any extra addresses), kept in a Secret so that every replica serves the same one, made on first start
/// and remade when it has less than <see cref="RefreshBefore"/> left or names other hosts; then the CA goes into the
/// caBundle of the MutatingWebhookConfiguration, so the API server trusts it.
/// </summary>
public static partial class WebhookCertificates
{
    public static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    public static readonly TimeSpan RefreshBefore = TimeSpan.FromDays(30);

    /// <summary>The serving certificate (with its key) and the CA that signed it, as PEM for the caBundle.</summary>
    public sealed record Serving(X509Certificate2 Certificate, string CaPem);

    public static async Task<Serving> EnsureAsync(IKubernetes client, string ns, string secretName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var existing = await ReadAsync(client, ns, secretName, cancellationToken);
        if (existing is { } found && Usable(found.Certificate, dnsNames, addresses, time))
        {
            return found;
        }

        var made = Make(dnsNames, addresses, time);
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "kubernetes.io/tls",
            Metadata = new V1ObjectMeta { Name = secretName, NamespaceProperty = ns, Labels = new Dictionary<string, string> { [Labels.ManagedBy] = Labels.ManagedByValue } },
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(made.Certificate.ExportCertificatePem()),
                ["tls.key"] = Encoding.UTF8.GetBytes(made.Certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
                ["ca.crt"] = Encoding.UTF8.GetBytes(made.CaPem),
            },
        };
        await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(secret, V1Patch.PatchType.ApplyPatch), secretName, ns, fieldManager: "lattice-mesh-injector", force: true, cancellationToken: cancellationToken);
        Log.Made(logger, ns, secretName, made.Certificate.NotAfter);
        return made;
    }

    /// <summary>Puts <paramref name="caPem"/> into every webhook of the configuration; false when there is no such configuration.</summary>
    public static async Task<bool> PatchCaBundleAsync(IKubernetes client, string configuration, string caPem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        V1MutatingWebhookConfiguration existing;
        try
        {
            existing = await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(configuration, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        var bundle = Encoding.UTF8.GetBytes(caPem);
        var operations = new System.Text.Json.Nodes.JsonArray();
        for (var i = 0; i < (existing.Webhooks?.Count ?? 0); i++)
        {
            if (existing.Webhooks![i].ClientConfig.CaBundle is { } current && current.AsSpan().SequenceEqual(bundle))
            {
                continue;
            }

            operations.Add(new System.Text.Json.Nodes.JsonObject
            {
                ["op"] = "add",
                ["path"] = $"/webhooks/{i}/clientConfig/caBundle",
                ["value"] = Convert.ToBase64String(bundle),
            });
        }

        if (operations.Count > 0)
        {
            await client.AdmissionregistrationV1.PatchMutatingWebhookConfigurationAsync(new V1Patch(operations.ToJsonString(), V1Patch.PatchType.JsonPatch), configuration, cancellationToken: cancellationToken);
        }

        return true;
    }

    private static bool Usable(X509Certificate2 certificate, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, TimeProvider time)
    {
        if (certificate.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime < RefreshBefore)
        {
            return false;
        }

        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is not null
            && dnsNames.All(n => san.EnumerateDnsNames().Contains(n, StringComparer.OrdinalIgnoreCase))
            && addresses.All(a => san.EnumerateIPAddresses().Contains(a));
    }

    private static async Task<Serving?> ReadAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        V1Secret secret;
        try
        {
            secret = await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (secret.Data is not { } data || !data.TryGetValue("tls.crt", out var crt) || !data.TryGetValue("tls.key", out var key) || !data.TryGetValue("ca.crt", out var ca))
        {
            return null; // made by someone else, or damaged: make a new one
        }

        try
        {
            return new Serving(X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(crt), Encoding.UTF8.GetString(key)), Encoding.UTF8.GetString(ca));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static Serving Make(IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, TimeProvider time)
    {
        var now = time.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Lattice.Mesh injector CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now + Validity + TimeSpan.FromDays(1));

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={(dnsNames.Count > 0 ? dnsNames[0] : "lattice-injector")}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var signed = request.Create(ca, now.AddMinutes(-5), now + Validity, RandomNumberGenerator.GetBytes(16));
        return new Serving(signed.CopyWithPrivateKey(key), ca.ExportCertificatePem());
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Made the webhook's serving certificate in Secret {Namespace}/{Name}, valid until {NotAfter:u}")]
        public static partial void Made(ILogger logger, string @namespace, string name, DateTime notAfter);
    }
}
