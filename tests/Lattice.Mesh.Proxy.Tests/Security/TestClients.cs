using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>HTTP clients for the mesh listener. Each has its own handler, so each request is a new connection and a new handshake.</summary>
internal static class TestClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A sidecar's client: <see cref="MeshTls.ConfigureClient"/>, reporting the serial number of each server certificate it accepts.</summary>
    public static HttpClient Mesh(MeshCertificateStore store, string expectedServerSpiffeId, Action<string>? acceptedServerSerial = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        MeshTls.ConfigureClient(handler.SslOptions, store, expectedServerSpiffeId);
        if (acceptedServerSerial is not null)
        {
            var validate = handler.SslOptions.RemoteCertificateValidationCallback!;
            handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                var accepted = validate(sender, certificate, chain, errors);
                if (accepted)
                {
                    acceptedServerSerial(certificate!.GetSerialNumberString());
                }

                return accepted;
            };
        }

        return new HttpClient(handler) { Timeout = Timeout };
    }

    /// <summary>
    /// A client that presents exactly <paramref name="clientCertificate"/> (none when null), to see what the server
    /// refuses. It is not the system under test, so it takes whichever certificate the local test server shows.
    /// </summary>
    public static HttpClient Presenting(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null;
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!;
        return new HttpClient(handler) { Timeout = Timeout };
    }
}
