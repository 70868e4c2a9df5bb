using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.Proxy.Tests.Support;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>The controller's certificate endpoint on a real Kestrel with TLS: the bootstrap credential alone decides the identity.</summary>
public sealed class CertificateIssuanceTests : IAsyncLifetime
{
    private static readonly ServiceId Sonarr = new("media", "sonarr");
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-issue-");
    private readonly BootstrapTokens _tokens = new();
    private readonly Pki _pki = Pki.Create();
    private PushController _controller = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _controller = await PushController.StartAsync(_pki, _folder.FullName, new RouteTableDistributor(), tokens: _tokens, validity: TimeSpan.FromHours(2));
        var handler = new SocketsHttpHandler { UseProxy = false };
        var root = _pki.Root;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData()));
        };
        _client = new HttpClient(handler) { BaseAddress = _controller.Uri };
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _controller.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task ASidecarsToken_GetsItsOwnKeyCertified_WithItsServicesSpiffeId()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await RequestAsync(_tokens.Issue(Sonarr), SigningRequest(key, "CN=sonarr"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var issued = CertificateProtocol.ReadIssued(await response.Content.ReadAsByteArrayAsync(Ct))!;
        using var certificate = X509Certificate2.CreateFromPem(issued.CertificateChain);
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", issued.SpiffeId);
        Assert.True(SpiffeCertificates.TryGetSpiffeId(certificate, out var id));
        Assert.Equal(issued.SpiffeId, id);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Equal(_pki.Authority.CertificatePem, issued.TrustBundle);
        Assert.InRange(issued.NotAfter - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(119), TimeSpan.FromHours(2));
        Assert.InRange(issued.RenewAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task ARequestNamingAnotherService_StillGetsTheCallersOwnIdentity()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=jellyfin", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://lattice.local/ns/media/sa/jellyfin"));
        request.CertificateExtensions.Add(san.Build());

        using var response = await RequestAsync(_tokens.Issue(Sonarr), request.CreateSigningRequestPem());

        var issued = CertificateProtocol.ReadIssued(await response.Content.ReadAsByteArrayAsync(Ct))!;
        using var certificate = X509Certificate2.CreateFromPem(issued.CertificateChain);
        Assert.True(SpiffeCertificates.TryGetSpiffeId(certificate, out var id));
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", id);
    }

    [Theory]
    [InlineData(null, "Authorization: Bearer <token>")]
    [InlineData("not-a-token", "unknown, expired or revoked")]
    public async Task WithoutAValidToken_TheRequestIsRefused_AndTheAnswerSaysWhatToSend(string? token, string expected)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await RequestAsync(token, SigningRequest(key, "CN=x"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevokedToken_NoLongerGetsCertificates()
    {
        var token = _tokens.Issue(Sonarr);
        _tokens.Revoke(Sonarr);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await RequestAsync(token, SigningRequest(key, "CN=x"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AMalformedRequest_GetsA400_NamingTheFix()
    {
        using var response = await RequestAsync(_tokens.Issue(Sonarr), "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("send one PEM 'CERTIFICATE REQUEST' (PKCS#10)", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWhoseSignatureDoesNotMatchItsKey_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=sonarr", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        der[^1] ^= 0x01; // the last byte is part of the signature
        var tampered = PemEncoding.WriteString("CERTIFICATE REQUEST", der);

        using var response = await RequestAsync(_tokens.Issue(Sonarr), tampered);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AWeakKey_IsRefused_WithTheKeysThatAreAccepted()
    {
        using var key = RSA.Create(1024);
        var request = new CertificateRequest("CN=sonarr", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();

        using var response = await RequestAsync(_tokens.Issue(Sonarr), request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("RSA of 1024 bits", body, StringComparison.Ordinal);
        Assert.Contains("ECDSA P-256 or P-384 key, or an RSA key of at least 2048 bits", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOversizedBody_IsRefusedUnread()
    {
        using var response = await RequestAsync(_tokens.Issue(Sonarr), new string('A', CertificateProtocol.MaxRequestBytes + 1));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task TheTokenNeverAppearsInTheAnswer()
    {
        const string Token = "secret-token-that-is-unknown";

        using var response = await RequestAsync(Token, "garbage");

        Assert.DoesNotContain(Token, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static string SigningRequest(ECDsa key, string subject) =>
        new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    private async Task<HttpResponseMessage> RequestAsync(string? token, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, CertificateProtocol.IssuePath)
        {
            Content = new StringContent(body, System.Text.Encoding.ASCII, CertificateProtocol.RequestContentType),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _client.SendAsync(request, Ct);
    }
}
