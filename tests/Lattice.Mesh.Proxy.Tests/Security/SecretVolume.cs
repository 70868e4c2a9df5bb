using System.Runtime.InteropServices;
using Lattice.Mesh.Authority;

namespace Lattice.Mesh.Proxy.Tests.Security;

/// <summary>
/// A folder laid out as the kubelet lays out a Secret volume (its "atomic writer"): each version in a
/// timestamped folder, <c>..data</c> a symlink to the current one, and each file a symlink through <c>..data</c>.
/// A new version is published by renaming a new <c>..data</c> symlink over the old one, so no file the sidecar
/// reads is ever written in place.
/// </summary>
internal sealed class SecretVolume(string folder)
{
    private static readonly string[] Files = ["tls.crt", "tls.key", "ca.crt"];

    public void Publish(string version, WorkloadCertificate certificate)
    {
        var target = Path.Combine(folder, version);
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "tls.crt"), certificate.CertificateChainPem);
        File.WriteAllText(Path.Combine(target, "tls.key"), certificate.ExportPrivateKeyPem());
        File.WriteAllText(Path.Combine(target, "ca.crt"), certificate.TrustBundlePem);

        var data = Path.Combine(folder, "..data");
        var staged = Path.Combine(folder, "..data_tmp");
        Directory.CreateSymbolicLink(staged, version);
        if (rename(staged, data) != 0)
        {
            throw new IOException($"rename {staged} -> {data} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var file in Files)
        {
            var link = Path.Combine(folder, file);
            if (!Path.Exists(link))
            {
                File.CreateSymbolicLink(link, Path.Combine("..data", file));
            }
        }
    }

    // File.Move refuses a symlink to a folder, and Directory.Move will not replace one: the kubelet uses rename(2).
    // DllImport rather than LibraryImport, whose generated code needs unsafe blocks that this project does not allow.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
