using Lattice.Mesh.Authority;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Cli.LocalMesh;

/// <summary>
/// The ingress gateway of the local mesh: a real <c>lattice-proxy gateway</c> process on loopback ports, fed by the
/// local controller as in a cluster (its mesh identity, lattice-system/lattice-gateway, issued for its bootstrap
/// token; its table pushed), with one public certificate per ingress TLS Secret issued by a local ingress CA (kept
/// in the state folder, so a browser or curl can trust it once).
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

    /// <summary>The status listener: <c>/healthz/ready</c> answers 200 once the gateway has its certificate and table.</summary>
    public Uri Status => _process!.Addresses["status"];

    /// <param name="stateFolder">Where the ingress CA is kept between runs.</param>
    /// <param name="runFolder">This run's folder; the gateway's files go in its <c>gateway</c> subfolder.</param>
    /// <param name="trustBundlePem">The mesh CA, which the gateway checks the controller and the sidecars with.</param>
    /// <param name="controller">The local controller, which issues the gateway's mesh certificate and pushes its table.</param>
    /// <param name="token">The gateway's bootstrap token for <paramref name="controller"/>.</param>
    /// <param name="table">The first gateway table, for its hosts' certificates.</param>
    /// <param name="log">Where the process's output goes.</param>
    /// <param name="cancellationToken">Stops waiting for the process to listen.</param>
    public static async Task<LocalGateway> StartAsync(string stateFolder, string runFolder, string trustBundlePem, Uri controller, string token, RouteTable.RouteTable table, TextWriter log, CancellationToken cancellationToken)
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

        // Like a sidecar, the gateway gets the trust bundle and a bootstrap token, never a key; its table comes by push.
        var folder = Directory.CreateDirectory(Path.Combine(runFolder, "gateway")).FullName;
        var gateway = new LocalGateway(ingress, folder, caPath);
        gateway.IssueCertificates(table);
        gateway._process = await SidecarProcess.StartGatewayAsync(
        [
            .. SidecarProcess.BootstrapArguments(folder, trustBundlePem, token, controller, "local-gateway"),
            .. LoopbackArguments(folder),
        ], log, cancellationToken);
        return gateway;
    }

    /// <summary>
    /// Issues certificates for the hosts of <paramref name="table"/> that have none yet (a local stand-in for
    /// <c>mode: auto</c>). The table itself reaches the gateway from the controller.
    /// </summary>
    public void IssueCertificates(RouteTable.RouteTable table)
    {
        foreach (var secret in table.Gateway.GroupBy(h => h.Tls.SecretName, StringComparer.Ordinal))
        {
            var hosts = string.Join(',', secret.Select(h => h.Host).Order(StringComparer.Ordinal));
            if (_issued.TryGetValue(secret.Key, out var had) && had == hosts)
            {
                continue;
            }

            IssueSecret(_ingress, _folder, secret.Key, secret.Select(h => h.Host), TimeSpan.FromDays(90));
            _issued[secret.Key] = hosts;
        }
    }

    /// <summary>
    /// The arguments of a gateway on this machine: its Secrets in <paramref name="folder"/>'s <c>secrets</c>, every
    /// listener on 127.0.0.1 at a port the system chooses (read back from the process's start-up line).
    /// </summary>
    internal static IEnumerable<string> LoopbackArguments(string folder) =>
    [
        $"--Secrets={Path.Combine(folder, "secrets")}",
        "--HttpPort=0", "--HttpsPort=0", "--StatusPort=0", "--PublicHttpsPort=0", "--BindAddress=127.0.0.1",
    ];

    /// <summary>
    /// Writes the TLS Secret <paramref name="secret"/> into <paramref name="folder"/>'s <c>secrets</c>, as a mounted
    /// Secret is: a certificate from <paramref name="ingress"/> naming <paramref name="hosts"/>, with its key.
    /// </summary>
    internal static void IssueSecret(MeshCertificateAuthority ingress, string folder, string secret, IEnumerable<string> hosts, TimeSpan validity)
    {
        // The certificate names the hosts; its SPIFFE id only says which Secret it is.
        using var issued = ingress.IssueWorkload(SpiffeId.For(ingress.TrustDomain, "ingress", secret), validity, hosts);
        issued.WriteFiles(Path.Combine(folder, "secrets", secret));
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
