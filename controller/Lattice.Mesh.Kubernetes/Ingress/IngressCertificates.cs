using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Kubernetes.Certificates;
using Lattice.Mesh.RouteTable;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Kubernetes.Ingress;

/// <summary>
/// The gateway's public certificates, one TLS Secret per <see cref="IngressSecret"/> in the gateway's namespace, kept
/// by the leader on every pass: <c>mode: manual</c> copies the user's Secret (re-read every pass, written only when
/// its bytes changed); <c>mode: auto</c> with an issuerRef has cert-manager write it through a Certificate, when
/// cert-manager is installed; otherwise the controller issues it from its ingress CA (Secret and ConfigMap
/// <c>lattice-ingress-ca</c>) for 90 days and again after two thirds of that or when the hosts change. Secrets and
/// Certificates it labelled that no service asks for any more are deleted, except those held for a service that
/// cannot be compiled now (a bad edit must not cost a certificate). One service's problem is its own status
/// condition; the others go on.
/// </summary>
internal sealed partial class IngressCertificates(IKubernetes client, KubernetesWriter writer, string ns, string caTrustDomain, TimeProvider time, TimeSpan resync, ILogger logger) : IDisposable
{
    /// <summary>How long a certificate from the ingress CA is valid.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(90);

    /// <summary>The labels of every Secret and Certificate this makes, and what it lists and deletes by.</summary>
    public static readonly IReadOnlyDictionary<string, string> OwnLabels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Labels.Component] = Labels.IngressCertificateComponent,
        [Labels.ManagedBy] = Labels.ManagedByValue,
    };

    private static readonly string Selector = string.Join(',', OwnLabels.Select(l => $"{l.Key}={l.Value}"));

    private readonly Dictionary<string, string> _certificatesApplied = new(StringComparer.Ordinal);
    private MeshCertificateAuthority? _ca;
    private bool _caPublished;

    /// <summary>Forget what was written, so that the next pass writes everything again (a new leader, or the periodic re-apply).</summary>
    public void Forget()
    {
        _certificatesApplied.Clear();
        _caPublished = false;
        _ca?.Dispose();
        _ca = null; // read again from its Secret: someone may have replaced it
    }

    public void Dispose() => _ca?.Dispose();

    /// <summary>
    /// Provides every Secret of <paramref name="plan"/> and deletes the ones neither planned nor
    /// <paramref name="held"/>: the state of each service's certificate, the Secrets the gateway should mount (the
    /// planned and the held that exist), and false when a write failed and the pass should be tried again.
    /// </summary>
    public async Task<IngressOutcome> ReconcileAsync(IReadOnlyList<IngressSecret> plan, IReadOnlySet<string> held, CancellationToken cancellationToken)
    {
        var existing = (await client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: Selector, cancellationToken: cancellationToken)).Items
            .Where(s => s.Metadata.DeletionTimestamp is null)
            .ToDictionary(s => s.Metadata.Name, StringComparer.Ordinal);
        var certManager = await CertManager.DetectAsync(client, cancellationToken);
        var certificates = certManager.Installed ? await ListCertificatesAsync(cancellationToken) : [];

        var states = new Dictionary<ServiceId, IngressCertificateState>();
        var owners = new Dictionary<string, IngressSecret>(StringComparer.Ordinal);
        var ok = true;
        foreach (var secret in plan)
        {
            IngressCertificateState state;
            if (owners.TryGetValue(secret.Name, out var owner))
            {
                state = new(false, IngressCertificateState.SecretNameConflict,
                    $"the gateway's Secret for {secret.Namespace}/{secret.SecretName} would be {ns}/{secret.Name}, the same as for {owner.Namespace}/{owner.SecretName}. Fix: give tls.secretName another name");
            }
            else
            {
                owners[secret.Name] = secret;
                try
                {
                    state = await ProvideAsync(secret, existing.GetValueOrDefault(secret.Name), certManager, certificates.GetValueOrDefault(secret.Name), cancellationToken);
                }
                catch (HttpOperationException e)
                {
                    state = new(false, IngressCertificateState.ApplyFailed, $"writing {ns}/{secret.Name} failed: {e.Response.StatusCode} {KubernetesWriter.Message(e)}; it is tried again");
                    Log.ProvideFailed(logger, ns, secret.Name, state.Message);
                    ok = false;
                }
            }

            foreach (var service in secret.Services)
            {
                states[service] = state;
            }
        }

        foreach (var stale in existing.Keys.Where(name => !owners.ContainsKey(name) && !held.Contains(name)))
        {
            if (await writer.DeleteAsync(() => client.CoreV1.DeleteNamespacedSecretAsync(stale, ns, cancellationToken: cancellationToken)))
            {
                Log.Deleted(logger, "Secret", ns, stale);
            }
        }

        var wanted = plan.Where(s => UsesCertManager(s, certManager)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in certificates.Keys.Where(name => !wanted.Contains(name) && !held.Contains(name)))
        {
            _certificatesApplied.Remove(stale);
            if (await writer.DeleteAsync(() => client.CustomObjects.DeleteNamespacedCustomObjectAsync(CertManager.Group, CertManager.Version, ns, CertManager.Plural, stale, cancellationToken: cancellationToken)))
            {
                Log.Deleted(logger, "Certificate", ns, stale);
            }
        }

        return new IngressOutcome(states, [.. owners.Keys.Concat(existing.Keys.Where(held.Contains)).Order(StringComparer.Ordinal)], ok);
    }

    private static bool UsesCertManager(IngressSecret secret, CertManager.Presence certManager) =>
        secret.Tls.Mode == IngressTlsMode.Auto && secret.Tls.IssuerName is not null && certManager.Installed;

    private Task<IngressCertificateState> ProvideAsync(IngressSecret secret, V1Secret? existing, CertManager.Presence certManager, JsonNode? certificate, CancellationToken cancellationToken) =>
        secret.Tls.Mode == IngressTlsMode.Manual ? CopyAsync(secret, existing, cancellationToken)
        : UsesCertManager(secret, certManager) ? RequestAsync(secret, certificate, cancellationToken)
        : IssueAsync(secret, existing, certManager, cancellationToken);

    /// <summary><c>mode: manual</c>: the user's tls.crt and tls.key, copied when they changed; a bad or missing Secret leaves the last good copy serving.</summary>
    private async Task<IngressCertificateState> CopyAsync(IngressSecret secret, V1Secret? existing, CancellationToken cancellationToken)
    {
        var source = $"{secret.Namespace}/{secret.SecretName}";
        var fix = $"kubectl -n {secret.Namespace} create secret tls {secret.SecretName} --cert=<certificate file> --key=<key file>";
        var keeping = existing is null ? string.Empty : "; the gateway keeps serving the last good copy";
        V1Secret user;
        try
        {
            user = await client.CoreV1.ReadNamespacedSecretAsync(secret.SecretName, secret.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new(false, IngressCertificateState.SecretMissing, $"Secret {source} (tls.mode manual) does not exist{keeping}. Fix: {fix}");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new(false, IngressCertificateState.SecretMissing, $"the controller may not read Secret {source} (tls.mode manual){keeping}. Fix: grant the controller get on secrets in {secret.Namespace}");
        }

        using var pair = TlsPair.Read(user.Data, out var problem);
        if (pair is null || pair.NotAfter <= time.GetUtcNow())
        {
            var what = pair is null ? problem : string.Create(CultureInfo.InvariantCulture, $"holds a certificate that expired on {pair.NotAfter:u}");
            return new(false, IngressCertificateState.SecretInvalid, $"Secret {source} (tls.mode manual) {what}{keeping}. Fix: {fix} --dry-run=client -o yaml | kubectl apply -f -");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal) { [TlsPair.CertificateKey] = user.Data[TlsPair.CertificateKey], [TlsPair.PrivateKeyKey] = user.Data[TlsPair.PrivateKeyKey] };
        if (existing?.Data is not { } had || data.Any(d => !had.TryGetValue(d.Key, out var bytes) || !bytes.AsSpan().SequenceEqual(d.Value)))
        {
            await writer.ApplyAsync(Secret(secret, data), cancellationToken);
            Log.Copied(logger, source, ns, secret.Name);
        }

        return new(true, IngressCertificateState.ManualSecret,
            $"Secret {source} (a certificate {pair.Describe()}) is copied to {ns}/{secret.Name} for the gateway; a change to it reaches the gateway within {GoDuration.Format(resync)}");
    }

    /// <summary><c>mode: auto</c> with an issuerRef and cert-manager installed: a Certificate, applied when it changed; cert-manager writes the Secret.</summary>
    private async Task<IngressCertificateState> RequestAsync(IngressSecret secret, JsonNode? listed, CancellationToken cancellationToken)
    {
        var body = CertManager.Certificate(secret, ns, OwnLabels);
        var json = body.ToJsonString();
        if (listed is null || !_certificatesApplied.TryGetValue(secret.Name, out var applied) || applied != json)
        {
            await writer.ApplyAsync(CertManager.Group, CertManager.Version, CertManager.Plural, body, cancellationToken);
            _certificatesApplied[secret.Name] = json;
        }

        var issuer = $"{secret.IssuerKind} {secret.Tls.IssuerName}";
        var defaulted = secret.Tls.IssuerKind is null
            ? $" (issuerRef.kind defaults to {CertManager.ClusterIssuer}: the Certificate lives in {ns}, the controller's namespace, so a namespaced Issuer would have to be there)"
            : string.Empty;
        var (ready, said) = CertManager.Readiness(listed);
        return new(ready, IngressCertificateState.CertManager, ready
            ? $"cert-manager issued Secret {ns}/{secret.Name} for {string.Join(", ", secret.Hosts)} from {issuer}{defaulted}, through Certificate {ns}/{secret.Name}"
            : $"Certificate {ns}/{secret.Name} asks cert-manager for {string.Join(", ", secret.Hosts)} from {issuer}{defaulted}, into Secret {ns}/{secret.Name}; not ready yet: {said ?? "cert-manager has not reported on it"}");
    }

    /// <summary><c>mode: auto</c> otherwise: a certificate from the ingress CA, issued again after two thirds of its life, when the hosts change, or when the CA did not sign it.</summary>
    private async Task<IngressCertificateState> IssueAsync(IngressSecret secret, V1Secret? existing, CertManager.Presence certManager, CancellationToken cancellationToken)
    {
        var ca = await AuthorityAsync(cancellationToken);
        var now = time.GetUtcNow();
        DateTimeOffset notBefore, notAfter;
        using (var pair = TlsPair.Read(existing?.Data, out _))
        {
            using var root = ca.GetRootCertificate();
            if (pair is not null && pair.DnsNames.SequenceEqual(secret.Hosts, StringComparer.Ordinal) && pair.IsIssuedBy(root) && now < RenewAt(pair.NotBefore, pair.NotAfter))
            {
                (notBefore, notAfter) = (pair.NotBefore, pair.NotAfter);
            }
            else
            {
                using var issued = ca.IssueWorkload(SpiffeId.For(ca.TrustDomain, secret.Namespace, KubernetesNames.Label(secret.SecretName)), Validity, secret.Hosts);
                await writer.ApplyAsync(Secret(secret, new Dictionary<string, byte[]>(StringComparer.Ordinal)
                {
                    [TlsPair.CertificateKey] = Encoding.UTF8.GetBytes(issued.CertificateChainPem),
                    [TlsPair.PrivateKeyKey] = Encoding.UTF8.GetBytes(issued.ExportPrivateKeyPem()),
                    [TlsPair.CaKey] = Encoding.UTF8.GetBytes(ca.CertificatePem),
                }), cancellationToken);
                (notBefore, notAfter) = (issued.NotBefore, issued.NotAfter);
                Log.Issued(logger, ns, secret.Name, secret.Hosts.Count, notAfter);
            }
        }

        var why = secret.Tls.IssuerName is null
            ? "no tls.issuerRef is set (set one, with cert-manager installed, to have cert-manager issue it)"
            : $"tls.issuerRef names {secret.IssuerKind} {secret.Tls.IssuerName}, but {certManager.Why}; install cert-manager and the controller asks it instead";
        return new(true, IngressCertificateState.MeshIngressCA, string.Create(CultureInfo.InvariantCulture,
            $"Secret {ns}/{secret.Name} holds a certificate for {string.Join(", ", secret.Hosts)} from the mesh's ingress CA, valid until {notAfter:u} and renewed after {RenewAt(notBefore, notAfter):u}, because {why}. Trust the ingress CA: kubectl -n {ns} get cm {AuthoritySecret.IngressName} -o jsonpath='{{.data.ca\\.crt}}'"));
    }

    private static DateTimeOffset RenewAt(DateTimeOffset notBefore, DateTimeOffset notAfter) => notBefore + ((notAfter - notBefore) * 2 / 3);

    /// <summary>The ingress CA, from its Secret (made at first need), with its certificate published for users to trust.</summary>
    private async Task<MeshCertificateAuthority> AuthorityAsync(CancellationToken cancellationToken)
    {
        _ca ??= await AuthoritySecret.LoadOrCreateAsync(client, ns, AuthoritySecret.IngressName, caTrustDomain, logger, cancellationToken);
        if (!_caPublished)
        {
            await writer.ApplyAsync(KubernetesWriter.CaConfigMap(AuthoritySecret.IngressName, ns, _ca.CertificatePem), cancellationToken);
            _caPublished = true;
        }

        return _ca;
    }

    /// <summary>The Certificates this made, by name; none when they cannot be listed (then none is deleted this pass, and applying says why).</summary>
    private async Task<Dictionary<string, JsonNode>> ListCertificatesAsync(CancellationToken cancellationToken)
    {
        JsonObject list;
        try
        {
            list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(CertManager.Group, CertManager.Version, ns, CertManager.Plural, labelSelector: Selector, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            Log.ProvideFailed(logger, ns, CertManager.CrdName, $"listing failed: {e.Response.StatusCode} {KubernetesWriter.Message(e)}");
            return [];
        }

        return (list["items"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(item => item["metadata"]?["name"] is JsonValue)
            .ToDictionary(item => (string)item["metadata"]!["name"]!, item => (JsonNode)item, StringComparer.Ordinal);
    }

    private V1Secret Secret(IngressSecret secret, Dictionary<string, byte[]> data) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "kubernetes.io/tls",
        Metadata = new V1ObjectMeta { Name = secret.Name, NamespaceProperty = ns, Labels = new Dictionary<string, string>(OwnLabels, StringComparer.Ordinal) },
        Data = data,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Copied Secret {Source} to {Namespace}/{Name} for the gateway")]
        public static partial void Copied(ILogger logger, string source, string @namespace, string name);

        [LoggerMessage(EventId = 5402, Level = LogLevel.Information, Message = "Issued {Namespace}/{Name} from the ingress CA for {Hosts} host(s), valid until {NotAfter}")]
        public static partial void Issued(ILogger logger, string @namespace, string name, int hosts, DateTimeOffset notAfter);

        [LoggerMessage(EventId = 5403, Level = LogLevel.Information, Message = "Deleted {Kind} {Namespace}/{Name}: no ingress asks for it")]
        public static partial void Deleted(ILogger logger, string kind, string @namespace, string name);

        [LoggerMessage(EventId = 5404, Level = LogLevel.Warning, Message = "Providing {Namespace}/{Name} failed: {Reason}")]
        public static partial void ProvideFailed(ILogger logger, string @namespace, string name, string reason);
    }
}
