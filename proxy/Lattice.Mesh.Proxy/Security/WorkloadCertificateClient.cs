using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Security;

/// <summary>
/// Gets this sidecar its workload certificate from the controller and keeps it current (see
/// <see cref="CertificateProtocol"/>). It makes a fresh P-256 key for every certificate, which never leaves the
/// sidecar; sends a signing request with the bootstrap credential (read from its file each time, since Kubernetes
/// rotates projected tokens); checks that the server is the controller by the trust bundle alone; and hands the
/// result to <see cref="MeshCertificateStore.TryReplace"/>. It asks again at the certificate's renewal time (half
/// its life), and after a failure with jittered backoff, while the current certificate keeps serving.
/// </summary>
internal sealed class WorkloadCertificateClient : BackgroundLoop
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private readonly ControllerConnection _controller;
    private readonly string _trustBundlePath;
    private readonly MeshCertificateStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkloadCertificateClient> _logger;
    private (string Serial, DateTimeOffset RenewAt)? _issued;

    /// <param name="controller">The controller, with the bootstrap token file.</param>
    /// <param name="trustBundlePath">The trust bundle the controller's certificate must chain to.</param>
    /// <param name="store">Where the issued certificate is put in force (and written).</param>
    /// <param name="time">The clock for renewal and backoff.</param>
    /// <param name="logger">Where issuance and failures are logged.</param>
    public WorkloadCertificateClient(ControllerConnection controller, string trustBundlePath, MeshCertificateStore store, TimeProvider time, ILogger<WorkloadCertificateClient> logger)
    {
        if (string.IsNullOrEmpty(controller.BootstrapTokenPath))
        {
            throw new ArgumentException("Certificates are requested from a controller with a bootstrap credential: set the bootstrap token file.", nameof(controller));
        }

        _controller = controller;
        _trustBundlePath = trustBundlePath;
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>When the certificate in force should be replaced: now if there is none.</summary>
    internal DateTimeOffset RenewalDue()
    {
        if (_store.Current is not { } current)
        {
            return DateTimeOffset.MinValue;
        }

        // A certificate this client asked for renews when the controller said; one found on disk (a restart) at half
        // its life, counted from its start, which is a little early, never late.
        return _issued is { } issued && issued.Serial == current.SerialNumber
            ? issued.RenewAt
            : current.NotBefore + ((current.NotAfter - current.NotBefore) / 2);
    }

    protected override async Task RunAsync(CancellationToken stopping)
    {
        var backoff = FirstRetry;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var wait = RenewalDue() - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stopping);
                }

                await RenewAsync(stopping);
                backoff = FirstRetry;
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException or UnauthorizedAccessException or System.Security.Authentication.AuthenticationException)
            {
                SecurityLog.CertificateRequestFailed(_logger, _controller.Uri.ToString(), exception.Message, _store.Current?.ToString() ?? "none");
            }

            if (!await JitteredDelayAsync(backoff, _time, stopping))
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _controller.BackoffLimit.Ticks));
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var token = (await File.ReadAllTextAsync(_controller.BootstrapTokenPath!, cancellationToken)).Trim();
        if (token.Length == 0)
        {
            throw new InvalidOperationException($"the bootstrap token file {_controller.BootstrapTokenPath} is empty");
        }

        var trustBundle = new X509Certificate2Collection();
        trustBundle.ImportFromPemFile(_trustBundlePath);
        if (trustBundle.Count == 0)
        {
            throw new InvalidOperationException($"the trust bundle {_trustBundlePath} holds no certificate to check the controller with");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=lattice-proxy", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        using var handler = new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) };
        handler.SslOptions.EnabledSslProtocols = MeshTls.Protocols;
        handler.SslOptions.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, _) => IsController(certificate, chain, trustBundle);
        using var client = new HttpClient(handler) { BaseAddress = _controller.Uri, Timeout = TimeSpan.FromSeconds(30) };
        using var message = new HttpRequestMessage(HttpMethod.Post, CertificateProtocol.IssuePath)
        {
            Content = new StringContent(request, System.Text.Encoding.ASCII, CertificateProtocol.RequestContentType),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(message, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            // The controller's refusals say what is wrong and never echo the credential.
            throw new InvalidOperationException($"the controller refused the certificate request: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 512))).Trim()}");
        }

        if (CertificateProtocol.ReadIssued(body) is not { } issued)
        {
            throw new InvalidOperationException("the controller's answer is not an issued certificate (JSON with spiffeId, certificateChain, trustBundle, notBefore, notAfter, renewAt)");
        }

        if (!_store.TryReplace(issued.CertificateChain, key.ExportPkcs8PrivateKeyPem(), issued.TrustBundle, out var failure))
        {
            throw new InvalidOperationException($"the issued certificate was not put in force: {failure}");
        }

        _issued = (_store.Current!.SerialNumber, issued.RenewAt);
        SecurityLog.CertificateIssued(_logger, issued.SpiffeId, _store.Current.SerialNumber, issued.NotAfter, issued.RenewAt);
    }

    /// <summary>The server must chain to the trust bundle and be the controller's identity; host names play no part.</summary>
    private bool IsController(X509Certificate? certificate, X509Chain? chain, X509Certificate2Collection trustBundle)
    {
        if (certificate is null)
        {
            return false;
        }

        var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!MeshChain.TryBuild(server, trustBundle, chain?.ChainPolicy.ExtraStore, MeshChain.ServerAuthentication, _time.GetUtcNow(), out var failure))
        {
            SecurityLog.PeerRejected(_logger, "controller", failure);
            return false;
        }

        if (!SpiffeCertificates.TryGetSpiffeId(server, out var id)
            || !SpiffeId.TryParse(id, out var trustDomain, out _, out _)
            || !string.Equals(id, PushProtocol.ControllerSpiffeId(trustDomain), StringComparison.Ordinal))
        {
            SecurityLog.PeerRejected(_logger, "controller", id.Length > 0 ? id + " is not the controller" : "the server has no SPIFFE id");
            return false;
        }

        return true;
    }
}
