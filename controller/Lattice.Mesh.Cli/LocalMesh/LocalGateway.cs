using Lattice.Mesh.Authority;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Cli.LocalMesh;

/// <summary>
/// The ingress gateway of the local mesh: a real <c>lattice-proxy gateway</c> process on loopback ports, fed the
/// compiler's gateway table through a file it watches, with one public certificate per ingress TLS Secret issued by
/// a local ingress CA (kept in the state folder, so a browser or curl can trust it once). Its mesh identity,
/// lattice-system/lattice-gateway, comes from the mesh CA.
/// </summary>
internal sealed class LocalGateway : IAsyncDisposable
{
    private readonly MeshCertificateAuthority _ingress;
    private readonly string _folder;
    private readonly Dictionary<string, string> _issued = new(StringComparer.Ordinal);
    private SidecarProcess? _process;

    private LocalGateway(MeshCertificateAuthority ingress, string folder, string caPath)
    {
        _ingress = ingress;
        _folder = folder;
        CaPath = caPath;
    }

    /// <summary>The ingress CA certificate: <c>curl --cacert</c> it.</summary>
    public string CaPath { get; }

    public Uri Http => _process!.Addresses["http"];

    public Uri Https => _process!.Addresses["https"];

    public static async Task<LocalGateway> StartAsync(string stateFolder, string runFolder, MeshCertificateAuthority mesh, RouteTable.RouteTable table, TextWriter log, CancellationToken cancellationToken)
    {
        var caFolder = Directory.CreateDirectory(Path.Combine(stateFolder, "ingress-ca")).FullName;
        var (caPath, keyPath) = (Path.Combine(caFolder, "ca.crt"), Path.Combine(caFolder, "ca.key"));
        MeshCertificateAuthority ingress;
        if (File.Exists(caPath) && File.Exists(keyPath))
        {
            ingress = await MeshCertificateAuthority.ReadFromFilesAsync(caPath, keyPath, cancellationToken: cancellationToken);
        }
        else
        {
            ingress = MeshCertificateAuthority.Create("ingress.lattice.local");
            await ingress.WriteToFilesAsync(caPath, keyPath, cancellationToken);
        }

        var folder = Directory.CreateDirectory(Path.Combine(runFolder, "gateway")).FullName;
        using (var own = mesh.IssueWorkload(SpiffeId.For(mesh.TrustDomain, "lattice-system", "lattice-gateway")))
        {
            own.WriteFiles(Path.Combine(folder, "mesh"));
        }

        var gateway = new LocalGateway(ingress, folder, caPath);
        gateway.Update(table);
        gateway._process = await SidecarProcess.StartGatewayAsync(
        [
            $"--RouteTable={Path.Combine(folder, "routes.json")}", $"--Secrets={Path.Combine(folder, "secrets")}",
            $"--Certificate={Path.Combine(folder, "mesh", WorkloadCertificate.CertificateFile)}", $"--Key={Path.Combine(folder, "mesh", WorkloadCertificate.KeyFile)}",
            $"--TrustBundle={Path.Combine(folder, "mesh", WorkloadCertificate.TrustBundleFile)}",
            "--HttpPort=0", "--HttpsPort=0", "--BindAddress=127.0.0.1", $"--ParentProcessId={Environment.ProcessId}",
        ], log, cancellationToken);
        return gateway;
    }

    /// <summary>Puts a new gateway table in force: certificates for hosts it has not had yet, then the table (write, then rename).</summary>
    public void Update(RouteTable.RouteTable table)
    {
        foreach (var secret in table.Gateway.GroupBy(h => h.Tls.SecretName, StringComparer.Ordinal))
        {
            var hosts = string.Join(',', secret.Select(h => h.Host).Order(StringComparer.Ordinal));
            if (_issued.TryGetValue(secret.Key, out var had) && had == hosts)
            {
                continue;
            }

            // A local stand-in for mode: auto. The certificate names the hosts; its SPIFFE id only says which Secret it is.
            using var issued = _ingress.IssueWorkload(SpiffeId.For(_ingress.TrustDomain, "ingress", secret.Key), TimeSpan.FromDays(90), secret.Select(h => h.Host));
            issued.WriteFiles(Path.Combine(_folder, "secrets", secret.Key));
            _issued[secret.Key] = hosts;
        }

        AtomicFile.Replace(Path.Combine(_folder, "routes.json"), RouteTableSerializer.SerializeToUtf8Bytes(table));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _ingress.Dispose();
    }
}
