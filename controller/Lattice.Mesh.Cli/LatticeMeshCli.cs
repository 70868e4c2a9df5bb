using System.CommandLine;
using Lattice.Mesh.Cli.Rendering;
using Lattice.Mesh.Compiler.Compilation;
using Lattice.Mesh.Compiler.Model;
using Lattice.Mesh.RouteTable;
using Spectre.Console;

namespace Lattice.Mesh.Cli;

/// <summary>The <c>lattice-mesh</c> command line. Exit codes: 0 valid, 1 invalid input, 2 bad usage.</summary>
internal static class LatticeMeshCli
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Build(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                error.WriteLine($"lattice-mesh: {parseError.Message}");
            }

            error.WriteLine("Run 'lattice-mesh --help' for usage.");
            return Usage;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("path") { Description = "A LatticeService manifest, a folder of manifests, or a folder with a kustomization.yaml" };
        var trustDomain = new Option<string>("--trust-domain") { Description = "The SPIFFE trust domain of workload identities", DefaultValueFactory = _ => SpiffeId.DefaultTrustDomain };
        var clusterDomain = new Option<string>("--cluster-domain") { Description = "The cluster's DNS domain", DefaultValueFactory = _ => "cluster.local" };

        CompilerOptions Options(ParseResult result) => new()
        {
            TrustDomain = result.GetValue(trustDomain)!,
            ClusterDomain = result.GetValue(clusterDomain)!,
        };

        var graphFormat = new Option<string>("--format", "-o") { Description = "text (tables for a person), json, mermaid or dot", DefaultValueFactory = _ => "text" };
        graphFormat.AcceptOnlyFromAmong("text", "json", "mermaid", "dot");
        var graph = new Command("graph", "Show the agreement matrix, pending agreements with their fixes, the L7 policy table and the shared volumes")
        {
            path, graphFormat, trustDomain, clusterDomain,
        };
        graph.SetAction(result =>
        {
            var input = MeshInput.Load(result.GetValue(path)!, Options(result));
            switch (result.GetValue(graphFormat))
            {
                case "json":
                    output.WriteLine(JsonReport.Graph(input));
                    break;
                case "mermaid":
                    output.Write(GraphDrawing.Mermaid(input.Compilation.Graph));
                    TextReport.WriteDiagnostics(Console(error), input.Diagnostics);
                    break;
                case "dot":
                    output.Write(GraphDrawing.Dot(input.Compilation.Graph));
                    TextReport.WriteDiagnostics(Console(error), input.Diagnostics);
                    break;
                default:
                    TextReport.Write(Console(output), input);
                    break;
            }

            return input.HasErrors ? Invalid : Valid;
        });

        var validateFormat = new Option<string>("--format", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        validateFormat.AcceptOnlyFromAmong("text", "json");
        var validate = new Command("validate", "Check manifests: exit 0 when valid, otherwise 1 with every error listed")
        {
            path, validateFormat, trustDomain, clusterDomain,
        };
        validate.SetAction(result =>
        {
            var input = MeshInput.Load(result.GetValue(path)!, Options(result));
            if (result.GetValue(validateFormat) == "json")
            {
                output.WriteLine(JsonReport.Validation(input));
            }
            else
            {
                var console = Console(input.HasErrors ? error : output);
                TextReport.WriteDiagnostics(console, input.Diagnostics);
                if (!input.HasErrors)
                {
                    console.MarkupLine($"[green]valid[/]: {input.Compilation.Graph.Services.Count} services, {input.Compilation.Graph.Agreements.Count} agreements, {input.Compilation.Graph.Pending.Count} pending");
                }
            }

            return input.HasErrors ? Invalid : Valid;
        });

        var service = new Option<string>("--service", "-s") { Description = "The service whose sidecar table to print, as namespace/name (e.g. media/sonarr)", Required = true };
        var routes = new Command("routes", "Print one sidecar's route table as JSON")
        {
            path, service, trustDomain, clusterDomain,
        };
        routes.SetAction(result =>
        {
            var input = MeshInput.Load(result.GetValue(path)!, Options(result));
            var name = result.GetValue(service)!;
            var errorConsole = Console(error);
            if (!ServiceId.TryParse(name, out var id))
            {
                errorConsole.MarkupLine($"[red]lattice-mesh: '{Markup.Escape(name)}' is not namespace/name.[/] Fix: write the service as e.g. media/sonarr.");
                return Usage;
            }

            // The gateway is not a LatticeService, but it has a table: every service's ingress hosts.
            if ((input.Compilation.RouteTables.TryGetValue(id, out var table) ? table : id == Options(result).Gateway ? input.Compilation.GatewayTable : null) is { } found)
            {
                table = found;
                output.WriteLine(RouteTableSerializer.Serialize(table));
                TextReport.WriteDiagnostics(errorConsole, input.Diagnostics.Where(d => !d.IsError || d.Resource?.EndsWith($" {id}", StringComparison.Ordinal) == true).ToList());
                return Valid;
            }

            if (input.Compilation.Failed.Contains(id) || !input.Compilation.Graph.Contains(id))
            {
                TextReport.WriteDiagnostics(errorConsole, input.Diagnostics);
            }

            var known = string.Join(", ", input.Compilation.RouteTables.Keys.Concat(input.Compilation.GatewayTable is null ? [] : [Options(result).Gateway]).Order());
            errorConsole.MarkupLine(input.Compilation.Failed.Contains(id)
                ? $"[red]lattice-mesh: {Markup.Escape(id.ToString())} has errors, so it has no route table.[/] Fix: correct the errors above."
                : $"[red]lattice-mesh: there is no service {Markup.Escape(id.ToString())}.[/] Fix: use one of {Markup.Escape(known)}.");
            return Invalid;
        });

        var endpoints = new Option<string?>("--endpoints") { Description = "Write the addresses of every app, sidecar and the controller to this JSON file, for scripts" };
        var state = new Option<string>("--state-dir") { Description = "Where the mesh CA is kept and the sidecars' files go", DefaultValueFactory = _ => DefaultStateFolder() };
        var up = new Command("up", "Run the mesh on this machine: the controller, one real sidecar and a stand-in app per service. Ctrl-C stops it.")
        {
            path, endpoints, state,
        };
        up.SetAction(async (result, cancellationToken) =>
        {
            using var stop = new StopOnSignals(cancellationToken);
            await using var runner = new LocalMesh.LocalMeshRunner(result.GetValue(path)!, result.GetValue(state)!, result.GetValue(endpoints), output, error);
            return await runner.RunAsync(stop.Token);
        });

        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "The kubeconfig file; by default the in-cluster service account, then $KUBECONFIG, then ~/.kube/config" };
        var listen = new Option<string>("--listen") { Description = "Where sidecars reach the controller (route-table push and certificates), address:port", DefaultValueFactory = _ => "0.0.0.0:15012" };
        var systemNamespace = new Option<string>("--namespace") { Description = "The namespace of the mesh CA Secret and the leader Lease", DefaultValueFactory = _ => "lattice-system" };
        var watchNamespace = new Option<string?>("--watch-namespace") { Description = "Reconcile the LatticeServices of this namespace only (default: every namespace)" };
        var metricsListen = new Option<string>("--metrics-listen") { Description = "The monitoring port (Prometheus /metrics, /healthz, /readyz), address:port", DefaultValueFactory = _ => "0.0.0.0:15014" };
        var controller = new Command("controller", "Run the controller in a cluster: watch LatticeServices, render their workloads, report status, issue certificates and push route tables to sidecars")
        {
            kubeconfig, listen, systemNamespace, watchNamespace, metricsListen,
        };
        controller.SetAction(async (result, cancellationToken) =>
        {
            using var stop = new StopOnSignals(cancellationToken);
            return await Controller.ControllerCommand.RunAsync(
                new Controller.ControllerCommand.Settings(result.GetValue(kubeconfig), result.GetValue(listen)!, result.GetValue(systemNamespace)!, result.GetValue(watchNamespace), result.GetValue(metricsListen)!), output, error, stop.Token);
        });

        var webhookListen = new Option<string>("--listen") { Description = "Where the API server reaches the webhook (HTTPS), address:port", DefaultValueFactory = _ => "0.0.0.0:9443" };
        var injectorNamespace = new Option<string>("--namespace") { Description = "The injector's namespace (its Service and certificate Secret)", DefaultValueFactory = _ => "lattice-system" };
        var injectorService = new Option<string>("--service") { Description = "The injector's Service name, which its certificate names", DefaultValueFactory = _ => "lattice-injector" };
        var webhookConfiguration = new Option<string>("--webhook-config") { Description = "The MutatingWebhookConfiguration whose caBundle it keeps current", DefaultValueFactory = _ => "lattice-sidecar-injector" };
        var proxyImage = new Option<string>("--proxy-image") { Description = "The lattice-proxy image to add to pods", DefaultValueFactory = _ => "ghcr.io/lattice-mesh/lattice-proxy:latest" };
        var controllerAddress = new Option<string>("--controller") { Description = "The controller's address, for sidecars", DefaultValueFactory = _ => "https://lattice-controller.lattice-system.svc:15012" };
        var nativeSidecars = new Option<string>("--native-sidecars") { Description = "auto (from the cluster's version: 1.29 and later), true or false", DefaultValueFactory = _ => "auto" };
        var otlpEndpoint = new Option<string?>("--otlp-endpoint") { Description = "The OpenTelemetry collector's OTLP/HTTP address for every sidecar's spans, such as http://otel-collector.monitoring:4318 (none: no spans; trace context passes through)" };
        var injector = new Command("injector", "Run the sidecar injector: a mutating admission webhook that adds lattice-proxy to the pods of meshed namespaces")
        {
            kubeconfig, webhookListen, injectorNamespace, injectorService, webhookConfiguration, proxyImage, controllerAddress, nativeSidecars, otlpEndpoint,
        };
        injector.SetAction(async (result, cancellationToken) =>
        {
            using var stop = new StopOnSignals(cancellationToken);
            return await Controller.InjectorCommand.RunAsync(
                new Controller.InjectorCommand.Settings(result.GetValue(kubeconfig), result.GetValue(webhookListen)!, result.GetValue(injectorNamespace)!, result.GetValue(injectorService)!,
                    result.GetValue(webhookConfiguration)!, result.GetValue(proxyImage)!, result.GetValue(controllerAddress)!, result.GetValue(nativeSidecars)!, result.GetValue(otlpEndpoint)),
                output, error, stop.Token);
        });

        return new RootCommand("lattice-mesh: the Lattice.Mesh service mesh's command line. A call is allowed only when the caller declares the callee outbound AND the callee declares the caller inbound.")
        {
            graph, validate, routes, up, controller, injector,
        };
    }

    /// <summary>Ctrl-C, kill (SIGTERM) and a closed terminal (SIGHUP) all stop a long-running command the same way.</summary>
    private sealed class StopOnSignals : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly System.Runtime.InteropServices.PosixSignalRegistration[] _registrations;

        public StopOnSignals(CancellationToken cancellationToken)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _registrations =
            [
                System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop),
                System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop),
                System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, Stop),
            ];
        }

        public CancellationToken Token => _stop.Token;

        public void Dispose()
        {
            foreach (var registration in _registrations)
            {
                registration.Dispose();
            }

            _stop.Dispose();
        }

        private void Stop(System.Runtime.InteropServices.PosixSignalContext signal)
        {
            signal.Cancel = true;
            _stop.Cancel();
        }
    }

    private static string DefaultStateFolder() =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "lattice-mesh");

    /// <summary>
    /// A console on <paramref name="writer"/>: colour only when it is a terminal that supports it (and NO_COLOR is
    /// unset). Piped or redirected output is never wrapped, so that grep and files see whole rows.
    /// </summary>
    private static IAnsiConsole Console(TextWriter writer)
    {
        var output = new AnsiConsoleOutput(writer);
        var colour = output.IsTerminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = colour ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        if (!output.IsTerminal)
        {
            console.Profile.Width = UnwrappedWidth;
        }

        return console;
    }

    /// <summary>Wide enough that no table or message wraps when the output is not a terminal.</summary>
    private const int UnwrappedWidth = 4096;
}
