using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>
/// A temporary folder holding one workload's mesh certificate files (tls.crt, tls.key, ca.crt), written the way a
/// careful writer does (to a temporary name, then renamed over), and deleted afterwards.
/// </summary>
internal sealed class CertificateFolder : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-pki-");

    public string Path => _folder.FullName;

    public MeshCertificateOptions Options => MeshCertificateOptions.InFolder(Path);

    public string CertificatePath => Options.CertificatePath;

    public string KeyPath => Options.KeyPath;

    public string TrustBundlePath => Options.TrustBundlePath;

    public static CertificateFolder With(WorkloadCertificate certificate)
    {
        var folder = new CertificateFolder();
        folder.Write(certificate);
        return folder;
    }

    /// <summary>Writes the certificate, its key and its trust bundle.</summary>
    public void Write(WorkloadCertificate certificate, string? trustBundlePem = null)
    {
        WriteFile(TrustBundlePath, trustBundlePem ?? certificate.TrustBundlePem);
        WriteFile(KeyPath, certificate.ExportPrivateKeyPem());
        WriteFile(CertificatePath, certificate.CertificateChainPem);
    }

    public static void WriteFile(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
