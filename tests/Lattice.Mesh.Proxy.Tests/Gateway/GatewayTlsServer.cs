using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Lattice.Mesh.Proxy.Gateway;
using Lattice.Mesh.Proxy.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// Real Kestrel on 127.0.0.1 and a system-chosen port, serving HTTPS (HTTP/1.1 and HTTP/2) with the certificate
/// <see cref="GatewayCertificates.Select"/> picks for each connection's SNI, answering every request with its Host; and
/// real TLS clients that reach it under any host name and accept only a certificate of the test CA for that name.
/// </summary>
internal sealed class GatewayTlsServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly TestWebPki _pki;

    private GatewayTlsServer(LoopbackServer server, TestWebPki pki)
    {
        _server = server;
        _pki = pki;
    }

    public int Port => _server.Address.Port;

    /// <param name="certificates">The certificates to serve.</param>
    /// <param name="pki">The CA the clients trust.</param>
    /// <param name="withChain">
    /// Select through <see cref="GatewayCertificates.SelectContext"/> in a TLS handshake callback, which sends the
    /// intermediates, rather than through <see cref="GatewayCertificates.Select"/> as Kestrel's <c>ServerCertificateSelector</c>.
    /// </param>
    public static async Task<GatewayTlsServer> StartAsync(GatewayCertificates certificates, TestWebPki pki, bool withChain = false)
    {
        var server = await LoopbackServer.StartAsync(
            (RequestDelegate)(context => context.Response.WriteAsync(context.Request.Host.Host, context.RequestAborted)),
            HttpProtocols.Http1AndHttp2,
            listen =>
            {
                if (withChain)
                {
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = context => ValueTask.FromResult(new SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = certificates.SelectContext(context.ClientHelloInfo.ServerName),
                        }),
                    });
                }
                else
                {
                    listen.UseHttps(https => https.ServerCertificateSelector = (_, name) => certificates.Select(name));
                }
            });
        return new GatewayTlsServer(server, pki);
    }

    /// <summary>A TLS handshake asking for <paramref name="serverName"/> (sent as SNI unless it is an IP address); the serial presented.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The handshake failed.</exception>
    /// <exception cref="IOException">The server closed the connection during the handshake.</exception>
    public async Task<string> HandshakeAsync(string serverName, Action<string>? presented = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Port, Ct);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (certificate is not null)
                    {
                        presented?.Invoke(certificate.GetSerialNumberString());
                    }

                    return _pki.Accepts(certificate, chain, errors);
                },
            },
            Ct);
        return tls.RemoteCertificate!.GetSerialNumberString();
    }

    /// <summary>
    /// An HTTPS client for <c>https://&lt;host&gt;:&lt;port&gt;/</c> that connects to this server whatever the host, so
    /// SNI and the name check are the host's. Each handshake's serial goes to <paramref name="presented"/>.
    /// </summary>
    public HttpClient Client(Action<string>? presented = null) => new(_pki.LoopbackHandler(Port, presented)) { Timeout = TimeSpan.FromSeconds(30) };

    public Uri Url(string host) => new($"https://{host}:{Port}/");

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
