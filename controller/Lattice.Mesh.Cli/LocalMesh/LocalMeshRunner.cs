using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Lattice.Mesh.Authority;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.Cli.Controller;
using Lattice.Mesh.Controller.Certificates;
using Lattice.Mesh.Controller.Push;
using Lattice.Mesh.Proxy.Configuration;

namespace Lattice.Mesh.Cli.LocalMesh;

/// <summary>
/// <c>lattice-mesh up</c>: the mesh on one machine. The controller runs here (it compiles the manifests, is the
/// mesh CA, and pushes tables over mutual TLS); one real lattice-proxy process and one stand-in app run per
/// service. Editing a manifest pushes the new tables; stopping stops every process it started.
/// </summary>
internal sealed class LocalMeshRunner(string path, string stateFolder, string? endpointsFile, TextWriter output, TextWriter error) : IAsyncDisposable
{
    private readonly RouteTableDistributor _distributor = new();
    private readonly BootstrapTokens _tokens = new();
    private readonly ConcurrentDictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<ServiceId, (StandInApp App, SidecarProcess Sidecar)> _services = [];
    private MeshCertificateAuthority? _authority;
    private ControllerServer? _controller;
    private LocalGateway? _gateway;
    private FileWatch? _watch;

    public async Task<int> RunAsync(CancellationToken stopping)
    {
        var input = MeshInput.Load(path, CompilerOptions.Default);
        if (input.HasErrors)
        {
            foreach (var diagnostic in input.Diagnostics)
            {
                await error.WriteLineAsync(diagnostic.ToString());
            }

            return LatticeMeshCli.Invalid;
        }

        var run = Directory.CreateDirectory(Path.Combine(stateFolder, "run", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var authority = _authority = await LoadOrCreateAuthorityAsync(stopping);
        var controllerUri = await StartControllerAsync(authority, Path.Combine(run.FullName, "controller"));

        foreach (var id in input.Compilation.Graph.Services)
        {
            var service = input.Compilation.Graph[id];
            _ports[id.Name] = service.Spec.Ports.Values.Select(p => p.Port).DefaultIfEmpty(80).First();
            var app = await StandInApp.StartAsync(id.Name, _ports);
            var folder = Directory.CreateDirectory(Path.Combine(run.FullName, $"{id.Namespace}.{id.Name}")).FullName;
            var arguments = new List<string>(SidecarProcess.BootstrapArguments(folder, authority.CertificatePem, _tokens.Issue(id), controllerUri, $"local-{id.Name}"))
            {
                "--OutboundPort=0", "--InboundPort=0", "--AdminPort=0", "--InboundBindAddress=127.0.0.1",
            };
            arguments.AddRange(service.Spec.Ports.Values.Select(p => p.TargetPort).Distinct().Select(p => $"--AppPortOverrides:{p}={app.Address.Port}"));
            var sidecar = await SidecarProcess.StartAsync(arguments, error, stopping);
            app.UseSidecar(sidecar.Outbound);
            _services[id] = (app, sidecar);
        }

        var compilation = Publish(input);
        if (compilation.GatewayTable is { } gatewayTable)
        {
            _gateway = await LocalGateway.StartAsync(stateFolder, run.FullName, authority.CertificatePem, controllerUri, _tokens.Issue(CompilerOptions.DefaultGateway), gatewayTable, error, stopping);
        }

        await WaitUntilReadyAsync(stopping);
        await WriteEndpointsAsync(controllerUri);
        await PrintAsync(input);

        _watch = new FileWatch([.. input.Manifests.Files.Select(Path.GetFullPath)], TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200), TimeProvider.System, Reload);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
            await output.WriteLineAsync("Stopping the local mesh...");
        }

        return LatticeMeshCli.Valid;
    }

    public async ValueTask DisposeAsync()
    {
        _watch?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        foreach (var (app, sidecar) in _services.Values)
        {
            await sidecar.DisposeAsync();
            await app.DisposeAsync();
        }

        if (_controller is not null)
        {
            await _controller.DisposeAsync();
        }

        _authority?.Dispose();
    }

    private CompilerOptions Options() => new()
    {
        AddressOf = id => _services.TryGetValue(id, out var s) ? $"127.0.0.1:{s.Sidecar.Inbound.Port}" : "127.0.0.1:9",
    };

    private MeshCompilation Publish(MeshInput input)
    {
        var compilation = MeshCompiler.Compile(input.Manifests.Services, Options());
        _distributor.Publish(ServedTables.Of(compilation, CompilerOptions.DefaultGateway, _distributor.Tables.GetValueOrDefault(CompilerOptions.DefaultGateway), compilation.Failed), compilation.Failed);
        return compilation;
    }

    /// <summary>A manifest changed: recompile and push. A bad edit is reported, and every service keeps what it had.</summary>
    private void Reload()
    {
        try
        {
            ReloadOrThrow();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // A background reload must never end the mesh: say why, keep every table, and wait for the next edit.
            error.WriteLine($"Reloading the manifests failed ({exception.Message}); every sidecar keeps its current table.");
        }
    }

    private void ReloadOrThrow()
    {
        var input = MeshInput.Load(path, CompilerOptions.Default);
        foreach (var diagnostic in input.Diagnostics)
        {
            error.WriteLine(diagnostic.ToString());
        }

        if (input.Manifests.HasErrors)
        {
            error.WriteLine("The manifests have errors: every sidecar keeps its current table.");
            return;
        }

        var compilation = MeshCompiler.Compile(input.Manifests.Services, Options());
        var before = _distributor.Tables;
        _distributor.Publish(ServedTables.Of(compilation, CompilerOptions.DefaultGateway, _distributor.Tables.GetValueOrDefault(CompilerOptions.DefaultGateway), compilation.Failed), compilation.Failed);
        if (_gateway is not null && compilation.GatewayTable is { } gatewayTable)
        {
            _gateway.IssueCertificates(gatewayTable);
        }
        foreach (var (id, table) in _distributor.Tables.Where(t => !before.TryGetValue(t.Key, out var old) || old.Revision != t.Value.Revision))
        {
            output.WriteLine($"pushed {table.Revision} to {id}");
        }
    }

    private async Task<MeshCertificateAuthority> LoadOrCreateAuthorityAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(Path.Combine(stateFolder, "ca")).FullName;
        var (certificate, key) = (Path.Combine(folder, "ca.crt"), Path.Combine(folder, "ca.key"));
        if (File.Exists(certificate) && File.Exists(key))
        {
            return await MeshCertificateAuthority.ReadFromFilesAsync(certificate, key, cancellationToken: cancellationToken);
        }

        var authority = MeshCertificateAuthority.Create();
        await authority.WriteToFilesAsync(certificate, key, cancellationToken);
        await output.WriteLineAsync($"Created the mesh CA in {folder} (kept for later runs).");
        return authority;
    }

    private async Task<Uri> StartControllerAsync(MeshCertificateAuthority authority, string folder)
    {
        _controller = await ControllerServer.StartAsync(authority, _distributor, _tokens, folder, new IPEndPoint(IPAddress.Loopback, 0));
        return _controller.Uri;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var probes = _services.Select(s => ($"the sidecar of {s.Key}", new Uri(s.Value.Sidecar.Admin, "/readyz"))).ToList();
        if (_gateway is not null)
        {
            probes.Add(("the gateway", new Uri(_gateway.Status, "/healthz/ready")));
        }

        await SidecarProcess.WaitUntilReadyAsync(probes, cancellationToken);
    }

    private async Task WriteEndpointsAsync(Uri controller)
    {
        if (endpointsFile is null)
        {
            return;
        }

        var services = new JsonObject();
        foreach (var (id, (app, sidecar)) in _services.OrderBy(s => s.Key))
        {
            services[id.ToString()] = new JsonObject
            {
                ["app"] = Origin(app.Address),
                ["outbound"] = Origin(sidecar.Outbound),
                ["inbound"] = Origin(sidecar.Inbound),
                ["admin"] = Origin(sidecar.Admin),
            };
        }

        var document = new JsonObject { ["services"] = services, ["controller"] = Origin(controller),
            ["gateway"] = _gateway is null ? null : new JsonObject { ["http"] = Origin(_gateway.Http), ["https"] = Origin(_gateway.Https), ["ca"] = _gateway.CaPath },
        };
        var temporary = endpointsFile + ".tmp";
        await File.WriteAllTextAsync(temporary, document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, endpointsFile, overwrite: true);
    }

    private async Task PrintAsync(MeshInput input)
    {
        await output.WriteLineAsync($"Lattice.Mesh local mesh: {_services.Count} services, {input.Compilation.Graph.Agreements.Count} agreements. Ctrl-C stops everything.");
        await output.WriteLineAsync();
        foreach (var (id, (app, sidecar)) in _services.OrderBy(s => s.Key))
        {
            await output.WriteLineAsync($"  {id,-20} app {Origin(app.Address),-24} sidecar: outbound {Origin(sidecar.Outbound)}, inbound {Origin(sidecar.Inbound)}, admin {Origin(sidecar.Admin)}");
        }

        await output.WriteLineAsync();
        var graph = input.Compilation.Graph;
        if (graph.Agreements.Count > 0)
        {
            var allowed = graph.Agreements[0];
            await output.WriteLineAsync($"Allowed ({allowed.Caller.Name} -> {allowed.Callee.Name}):");
            await output.WriteLineAsync($"  curl -s {Origin(_services[allowed.Caller].App.Address)}/call/{allowed.Callee.Name}/");
        }

        if (graph.Agreements.FirstOrDefault(a => a.Retries is not null) is { } retried)
        {
            await output.WriteLineAsync($"A retry ({retried.Callee.Name} fails twice, {retried.Caller.Name}'s sidecar tries again; see x-lattice-attempts):");
            await output.WriteLineAsync($"  curl -s -X POST '{Origin(_services[retried.Callee].App.Address)}/fail?count=2' && curl -s {Origin(_services[retried.Caller].App.Address)}/call/{retried.Callee.Name}/");
        }

        var denied = graph.Services.SelectMany(a => graph.Services.Select(b => (a, b))).FirstOrDefault(p => p.a != p.b && !graph.Explain(p.a, p.b).Allowed);
        if (denied != default)
        {
            await output.WriteLineAsync($"Denied, with the reason ({denied.a.Name} -> {denied.b.Name}: {graph.Explain(denied.a, denied.b).Reason}):");
            await output.WriteLineAsync($"  curl -s {Origin(_services[denied.a].App.Address)}/call/{denied.b.Name}/");
        }

        if (graph.Agreements.FirstOrDefault(a => a.RateLimit is not null) is { RateLimit: { } limit } limited)
        {
            await output.WriteLineAsync($"A rate limit ({limited.Callee.Name} allows {limited.Caller.Name} {limit.RequestsPerInterval} per {limit.IntervalSeconds}s; the next answer is 429):");
            await output.WriteLineAsync($"  for i in $(seq {limit.RequestsPerInterval + 1}); do curl -s -o /dev/null -w '%{{http_code}}\\n' {Origin(_services[limited.Caller].App.Address)}/call/{limited.Callee.Name}/; done | sort | uniq -c");
        }

        if (_gateway is not null && input.Compilation.Graph.Services.Select(id => input.Compilation.Graph[id]).FirstOrDefault(s => s.Spec.Ingress is not null) is { Spec.Ingress: { } ingress })
        {
            var host = ingress.Hosts[0];
            await output.WriteLineAsync($"Through the ingress gateway (http {Origin(_gateway.Http)}, https {Origin(_gateway.Https)}; its CA is {_gateway.CaPath}):");
            await output.WriteLineAsync($"  curl -s --cacert {_gateway.CaPath} --resolve {host}:{_gateway.Https.Port}:127.0.0.1 https://{host}:{_gateway.Https.Port}/");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"Edit the manifests in {path} and the new tables are pushed to the running sidecars.");
        if (endpointsFile is not null)
        {
            await output.WriteLineAsync($"Addresses for scripts: {endpointsFile}");
        }
    }

    private static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority);
}
