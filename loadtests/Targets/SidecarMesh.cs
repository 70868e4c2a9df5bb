using System.Security.Cryptography.X509Certificates;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Cli.LocalMesh;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Manifests;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// The mesh the load test drives, set up by the tool itself: four LatticeServices compiled by the real compiler
/// (<see cref="Manifests"/>), one real <c>lattice-proxy</c> process per service with certificates from a fresh mesh
/// CA, and every app port pointing at the one <see cref="LoopbackBackend"/>.
/// <list type="bullet">
/// <item><c>client → backend</c>: agreed; 3 attempts on 5xx or connect failure (the mesh path, and the retry path under <c>/flaky</c>).</item>
/// <item><c>stranger → backend</c>: declared by the stranger only, so refused with 403 at the stranger's own sidecar.</item>
/// <item><c>limited → backend</c>: agreed with a limit of 60 a minute into backend, so nearly every request gets 429 from backend's sidecar.</item>
/// <item><c>caller → stalling</c>: agreed as client → backend is; the stall path stops stalling's sidecar for a moment, so
/// this pair has processes of its own and what the stall leaves behind (queued requests, a grown heap) meets no other path.</item>
/// <item><c>portal</c>: served at <see cref="PortalHost"/> by the ingress gateway (a real <c>lattice-proxy gateway</c>
/// process with its mesh identity and a certificate for the host from an ingress CA of its own), as Jellyfin is at
/// jellyfin.home.local: TLS from the client, mutual TLS from the gateway to portal's sidecar.</item>
/// </list>
/// </summary>
internal sealed class SidecarMesh : IAsyncDisposable
{
    public const string BackendHost = "backend:8080";

    public const string StallingHost = "stalling:8080";

    public const string PortalHost = "portal.load.local";

    /// <summary>The services, in the user's format.</summary>
    public const string Manifests = """
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: backend, namespace: load}
        spec:
          containers: {main: {image: backend}}
          service: {ports: {http: {port: 8080}}}
          resources:
            client: {type: service, direction: inbound}
            limited:
              type: service
              direction: inbound
              inbound: {rateLimit: {requestsPerInterval: 60, intervalSeconds: 60}}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: client, namespace: load}
        spec:
          containers: {main: {image: client}}
          service: {ports: {http: {port: 8080}}}
          resources:
            backend:
              type: service
              direction: outbound
              outbound:
                retries: {attempts: 3, perTryTimeout: 10s, retryOn: [5xx, connect-failure]}
                timeout: {request: 30s}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: stranger, namespace: load}
        spec:
          containers: {main: {image: stranger}}
          service: {ports: {http: {port: 8080}}}
          resources:
            backend: {type: service, direction: outbound}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: limited, namespace: load}
        spec:
          containers: {main: {image: limited}}
          service: {ports: {http: {port: 8080}}}
          resources:
            backend: {type: service, direction: outbound}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: stalling, namespace: load}
        spec:
          containers: {main: {image: backend}}
          service: {ports: {http: {port: 8080}}}
          resources:
            caller: {type: service, direction: inbound}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: caller, namespace: load}
        spec:
          containers: {main: {image: client}}
          service: {ports: {http: {port: 8080}}}
          resources:
            stalling:
              type: service
              direction: outbound
              outbound:
                retries: {attempts: 3, perTryTimeout: 10s, retryOn: [5xx, connect-failure]}
                timeout: {request: 30s}
        ---
        apiVersion: lattice.dev/v1alpha1
        kind: LatticeService
        metadata: {name: portal, namespace: load}
        spec:
          containers: {main: {image: backend}}
          service: {ports: {http: {port: 8080}}}
          ingress:
            hosts: [portal.load.local]
            tls: {mode: auto}
        """;

    private readonly DirectoryInfo _folder;
    private readonly Dictionary<string, SidecarProcess> _sidecars;

    private SidecarMesh(DirectoryInfo folder, Dictionary<string, SidecarProcess> sidecars, X509Certificate2 ingressCertificate)
    {
        _folder = folder;
        _sidecars = sidecars;
        IngressCertificate = ingressCertificate;
    }

    /// <summary>
    /// The sidecar of <paramref name="service"/> (backend, client, stranger, limited, stalling, caller, portal), or the
    /// ingress gateway under <see cref="Gateway"/>.
    /// </summary>
    public SidecarProcess this[string service] => _sidecars[service];

    /// <summary>The key of the ingress gateway's process.</summary>
    public const string Gateway = "gateway";

    /// <summary>The ingress CA's certificate, which a client of the gateway trusts for <see cref="PortalHost"/>.</summary>
    public X509Certificate2 IngressCertificate { get; }

    public static async Task<SidecarMesh> StartAsync(LoopbackBackend backend, TextWriter log, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("lattice-loadtest-");
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "services.yaml"), Manifests, cancellationToken);
        var set = ManifestLoader.Load(Path.Combine(folder.FullName, "services.yaml"));
        if (set.HasErrors)
        {
            throw new InvalidOperationException($"the load test's own manifests are invalid: {string.Join("; ", set.Diagnostics)}");
        }

        using var authority = MeshCertificateAuthority.Create();
        var sidecars = new Dictionary<string, SidecarProcess>(StringComparer.Ordinal);
        try
        {
            foreach (var service in set.Services)
            {
                var own = Directory.CreateDirectory(Path.Combine(folder.FullName, service.Id.Name)).FullName;
                using (var issued = authority.IssueWorkload(SpiffeId.For(SpiffeId.DefaultTrustDomain, service.Id.Namespace, service.Id.Name)))
                {
                    issued.WriteFiles(own);
                }

                sidecars[service.Id.Name] = await SidecarProcess.StartAsync(
                [
                    .. SidecarProcess.FileArguments(own),
                    "--OutboundPort=0", "--InboundPort=0", "--AdminPort=0", "--InboundBindAddress=127.0.0.1", $"--AppPortOverrides:8080={backend.Port}",
                ], log, cancellationToken);
            }

            var compilation = MeshCompiler.Compile(set.Services, new CompilerOptions { AddressOf = id => $"127.0.0.1:{sidecars[id.Name].Inbound.Port}" });
            foreach (var (id, table) in compilation.RouteTables)
            {
                AtomicFile.Replace(Path.Combine(folder.FullName, id.Name, "routes.json"), RouteTableSerializer.SerializeToUtf8Bytes(table));
            }

            var ingressCertificate = await StartGatewayAsync(folder.FullName, authority, compilation.GatewayTable!, sidecars, log, cancellationToken);
            var mesh = new SidecarMesh(folder, sidecars, ingressCertificate);
            await SidecarProcess.WaitUntilReadyAsync(
            [
                .. sidecars.Where(s => s.Key != Gateway).Select(s => ($"the sidecar of {s.Key}", new Uri(s.Value.Admin, "/readyz"))),
                ("the ingress gateway", new Uri(sidecars[Gateway].Addresses["status"], "/healthz/ready")),
            ], cancellationToken);
            return mesh;
        }
        catch
        {
            foreach (var sidecar in sidecars.Values)
            {
                await sidecar.DisposeAsync();
            }

            folder.Delete(recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sidecar in _sidecars.Values)
        {
            await sidecar.DisposeAsync();
        }

        IngressCertificate.Dispose();
        _folder.Delete(recursive: true);
    }

    /// <summary>
    /// Starts the ingress gateway from files, as a cluster's would run from its mounts: its mesh identity
    /// (lattice-system/lattice-gateway) from <paramref name="authority"/>, <paramref name="table"/> as its route table,
    /// and one certificate per TLS Secret the table names, for its hosts, from a fresh ingress CA. Adds the process to
    /// <paramref name="processes"/> under <see cref="Gateway"/> and returns the ingress CA's certificate.
    /// </summary>
    private static async Task<X509Certificate2> StartGatewayAsync(string folder, MeshCertificateAuthority authority, RouteTable.RouteTable table, Dictionary<string, SidecarProcess> processes, TextWriter log, CancellationToken cancellationToken)
    {
        var own = Directory.CreateDirectory(Path.Combine(folder, Gateway)).FullName;
        using (var identity = authority.IssueWorkload(SpiffeId.For(SpiffeId.DefaultTrustDomain, CompilerOptions.DefaultGateway.Namespace, CompilerOptions.DefaultGateway.Name)))
        {
            identity.WriteFiles(own);
        }

        AtomicFile.Replace(Path.Combine(own, "routes.json"), RouteTableSerializer.SerializeToUtf8Bytes(table));
        using var ingress = MeshCertificateAuthority.Create("ingress.load.local");
        foreach (var secret in table.Gateway.GroupBy(h => h.Tls.SecretName, StringComparer.Ordinal))
        {
            LocalGateway.IssueSecret(ingress, own, secret.Key, secret.Select(h => h.Host), TimeSpan.FromDays(1));
        }

        processes[Gateway] = await SidecarProcess.StartGatewayAsync([.. SidecarProcess.FileArguments(own), .. LocalGateway.LoopbackArguments(own)], log, cancellationToken);
        return ingress.GetRootCertificate();
    }
}
