using Lattice.Mesh.Authority;
using Lattice.Mesh.Proxy.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lattice.Mesh.Proxy.Tests.Security;

public sealed class WorkloadCertificateFilesTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-files-");

    [Fact]
    public void WriteFiles_LeavesWhatTheSidecarLoads_WithAnOwnerOnlyKey_AndNoTemporaryFiles()
    {
        using var authority = MeshCertificateAuthority.Create();
        using var issued = authority.IssueWorkload("spiffe://lattice.local/ns/media/sa/sonarr");

        issued.WriteFiles(_folder.FullName);

        Assert.Equal(["ca.crt", "tls.crt", "tls.key"], _folder.EnumerateFiles().Select(f => f.Name).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder.FullName, WorkloadCertificate.KeyFile)));
        }

        using var store = new MeshCertificateStore(MeshCertificateOptions.InFolder(_folder.FullName), NullLogger<MeshCertificateStore>.Instance);
        Assert.True(store.TryReload(out var failure), failure);
        Assert.Equal("spiffe://lattice.local/ns/media/sa/sonarr", store.Current!.SpiffeId);
        Assert.Equal(issued.SerialNumber, store.Current.Certificate.SerialNumber);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
