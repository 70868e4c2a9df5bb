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
/// </list>
/// </summary>
internal sealed class SidecarMesh : IAsyncDisposable
{
    public const string BackendHost = "backend:8080";

    public const string StallingHost = "stalling:8080";

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
        """;

    private readonly DirectoryInfo _folder;
    private readonly Dictionary<string, SidecarProcess> _sidecars;

    private SidecarMesh(DirectoryInfo folder, Dictionary<string, SidecarProcess> sidecars)
    {
        _folder = folder;
        _sidecars = sidecars;
    }

    /// <summary>The sidecar of <paramref name="service"/> (backend, client, stranger, limited, stalling, caller).</summary>
    public SidecarProcess this[string service] => _sidecars[service];

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

            var mesh = new SidecarMesh(folder, sidecars);
            await SidecarProcess.WaitUntilReadyAsync(sidecars.Select(s => ($"the sidecar of {s.Key}", new Uri(s.Value.Admin, "/readyz"))), cancellationToken);
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

        _folder.Delete(recursive: true);
    }
}
