using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Authority;
using Lattice.Mesh.RouteTable;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Certificates;

/// <summary>
/// A CA's root in the cluster: a Secret (type kubernetes.io/tls) made by the first controller to need it and read by
/// every later one. Two replicas racing to create it: the loser reads the winner's, so there is one root. The mesh
/// CA is <c>lattice-system/lattice-mesh-ca</c>; the gateway's ingress CA (<see cref="IngressName"/>) is kept the same
/// way. The key is never logged.
/// </summary>
public static partial class AuthoritySecret
{
    public const string Name = "lattice-mesh-ca";

    /// <summary>The ingress CA: it signs the gateway's public certificates for hosts that nobody else issues for.</summary>
    public const string IngressName = "lattice-ingress-ca";

    /// <summary>The mesh CA, for the default trust domain.</summary>
    public static Task<MeshCertificateAuthority> LoadOrCreateAsync(IKubernetes client, string ns, ILogger logger, CancellationToken cancellationToken) =>
        LoadOrCreateAsync(client, ns, Name, SpiffeId.DefaultTrustDomain, logger, cancellationToken);

    /// <summary>The CA kept in Secret <paramref name="ns"/>/<paramref name="name"/>, created for <paramref name="trustDomain"/> if there is none yet.</summary>
    public static async Task<MeshCertificateAuthority> LoadOrCreateAsync(IKubernetes client, string ns, string name, string trustDomain, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (await ReadAsync(client, ns, name, cancellationToken) is { } existing)
        {
            Log.Loaded(logger, ns, name, existing);
            return existing;
        }

        var created = MeshCertificateAuthority.Create(trustDomain);
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "kubernetes.io/tls",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [Labels.ManagedBy] = Labels.ManagedByValue },
            },
            Data = new Dictionary<string, byte[]>
            {
                ["tls.crt"] = Encoding.UTF8.GetBytes(created.CertificatePem),
                ["tls.key"] = Encoding.UTF8.GetBytes(created.ExportPrivateKeyPem()),
            },
        };
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: cancellationToken);
            Log.Created(logger, ns, name, created);
            return created;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Another replica created it first: use theirs, so that the mesh has one root.
            created.Dispose();
            return await ReadAsync(client, ns, name, cancellationToken)
                ?? throw new InvalidOperationException($"Secret {ns}/{name} was created by another controller but cannot be read back.", e);
        }
    }

    private static async Task<MeshCertificateAuthority?> ReadAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
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

        if (secret.Data is null || !secret.Data.TryGetValue("tls.crt", out var certificate) || !secret.Data.TryGetValue("tls.key", out var key))
        {
            throw new InvalidOperationException($"Secret {ns}/{name} holds no tls.crt and tls.key; delete it and restart the controller to make a new root (every certificate it signed will then be reissued).");
        }

        return MeshCertificateAuthority.ImportFromPem(Encoding.UTF8.GetString(certificate), Encoding.UTF8.GetString(key));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "CA loaded from Secret {Namespace}/{Name}: {Authority}")]
        public static partial void Loaded(ILogger logger, string @namespace, string name, MeshCertificateAuthority authority);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "CA created in Secret {Namespace}/{Name}: {Authority}")]
        public static partial void Created(ILogger logger, string @namespace, string name, MeshCertificateAuthority authority);
    }
}
