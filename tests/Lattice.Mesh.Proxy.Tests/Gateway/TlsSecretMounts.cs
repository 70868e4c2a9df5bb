using System.Runtime.InteropServices;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// A temporary folder where TLS Secrets are mounted as the kubelet mounts them, one subfolder per Secret: each version
/// in a timestamped folder, <c>..data</c> a symlink to the current one, <c>tls.crt</c> and <c>tls.key</c> symlinks
/// through <c>..data</c>. A new version is published by renaming a new <c>..data</c> over the old one, so the two files
/// always change together and are never written in place.
/// </summary>
internal sealed class TlsSecretMounts : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-gw-");
    private int _versions;

    public string Path => _folder.FullName;

    public void Publish(string secret, IssuedServerCertificate certificate) => Publish(secret, certificate.CertificatePem, certificate.KeyPem);

    public void Publish(string secret, string certificatePem, string keyPem)
    {
        var mount = System.IO.Path.Combine(Path, secret);
        Directory.CreateDirectory(mount);
        var version = $"..2026_11_24_{Interlocked.Increment(ref _versions):D4}";
        var target = System.IO.Path.Combine(mount, version);
        Directory.CreateDirectory(target);
        File.WriteAllText(System.IO.Path.Combine(target, "tls.crt"), certificatePem);
        File.WriteAllText(System.IO.Path.Combine(target, "tls.key"), keyPem);

        var data = System.IO.Path.Combine(mount, "..data");
        var staged = System.IO.Path.Combine(mount, "..data_tmp");
        Directory.CreateSymbolicLink(staged, version);
        if (rename(staged, data) != 0)
        {
            throw new IOException($"rename {staged} -> {data} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var file in new[] { "tls.crt", "tls.key" })
        {
            var link = System.IO.Path.Combine(mount, file);
            if (!System.IO.Path.Exists(link))
            {
                File.CreateSymbolicLink(link, System.IO.Path.Combine("..data", file));
            }
        }
    }

    /// <summary>Unmounts a Secret: its folder goes.</summary>
    public void Remove(string secret) => Directory.Delete(System.IO.Path.Combine(Path, secret), recursive: true);

    public void Dispose() => _folder.Delete(recursive: true);

    // File.Move refuses a symlink to a folder, and Directory.Move will not replace one: the kubelet uses rename(2).
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
