using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Authority;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Certificates;

/// <summary>
/// The mesh CA's root in the cluster: a Secret (<c>lattice-system/lattice-mesh-ca</c>, type kubernetes.io/tls) made
/// by the first controller to start and read by every later one. Two replicas starting together race to create it;
/// the loser reads the winner's, so the mesh has one root. The key is never logged.
/// </summary>
public static partial class AuthoritySecret
{
    public const string Name = "lattice-mesh-ca";

    public static async Task<MeshCertificateAuthority> LoadOrCreateAsync(IKubernetes client, string ns, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (await ReadAsync(client, ns, cancellationToken) is { } existing)
        {
            Log.Loaded(logger, ns, Name, existing);
            return existing;
        }

        var created = MeshCertificateAuthority.Create();
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "kubernetes.io/tls",
            Metadata = new V1ObjectMeta
            {
                Name = Name,
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
            Log.Created(logger, ns, Name, created);
            return created;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Another replica created it first: use theirs, so that the mesh has one root.
            created.Dispose();
            return await ReadAsync(client, ns, cancellationToken)
                ?? throw new InvalidOperationException($"Secret {ns}/{Name} was created by another controller but cannot be read back.", e);
        }
    }

    private static async Task<MeshCertificateAuthority?> ReadAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        V1Secret secret;
        try
        {
            secret = await client.CoreV1.ReadNamespacedSecretAsync(Name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (secret.Data is null || !secret.Data.TryGetValue("tls.crt", out var certificate) || !secret.Data.TryGetValue("tls.key", out var key))
        {
            throw new InvalidOperationException($"Secret {ns}/{Name} holds no tls.crt and tls.key; delete it and restart the controller to make a new mesh root (every workload certificate will then be reissued).");
        }

        return MeshCertificateAuthority.ImportFromPem(Encoding.UTF8.GetString(certificate), Encoding.UTF8.GetString(key));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Mesh CA loaded from Secret {Namespace}/{Name}: {Authority}")]
        public static partial void Loaded(ILogger logger, string @namespace, string name, MeshCertificateAuthority authority);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Information, Message = "Mesh CA created in Secret {Namespace}/{Name}: {Authority}")]
        public static partial void Created(ILogger logger, string @namespace, string name, MeshCertificateAuthority authority);
    }
}
