namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>A server certificate as a TLS Secret holds it: <c>tls.crt</c> and <c>tls.key</c> (PEM), and its serial to recognise it in a handshake.</summary>
internal sealed record IssuedServerCertificate(string CertificatePem, string KeyPem, string SerialNumber);
