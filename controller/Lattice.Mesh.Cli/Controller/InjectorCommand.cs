using System.Net;
using k8s;
using Lattice.Mesh.Injector.Mutation;
using Lattice.Mesh.Injector.Webhook;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Cli.Controller;

/// <summary><c>lattice-mesh injector</c>: the sidecar injector webhook, with its own certificate and caBundle.</summary>
internal static class InjectorCommand
{
    /// <param name="Kubeconfig">An explicit kubeconfig file, or null.</param>
    /// <param name="Listen">address:port of the webhook (HTTPS).</param>
    /// <param name="Namespace">Its namespace: its Service, its Secret.</param>
    /// <param name="Service">Its Service's name, which its certificate names.</param>
    /// <param name="WebhookConfiguration">The MutatingWebhookConfiguration whose caBundle it sets.</param>
    /// <param name="ProxyImage">The lattice-proxy image it adds to pods.</param>
    /// <param name="Controller">The controller's address for sidecars.</param>
    /// <param name="NativeSidecars">auto (by the cluster's version), true or false.</param>
    /// <param name="OtlpEndpoint">The collector for every sidecar's spans, or null for none.</param>
    public sealed record Settings(string? Kubeconfig, string Listen, string Namespace, string Service, string WebhookConfiguration, string ProxyImage, string Controller, string NativeSidecars, string? OtlpEndpoint = null);

    public static async Task<int> RunAsync(Settings settings, TextWriter output, TextWriter error, CancellationToken stopping)
    {
        if (!IPEndPoint.TryParse(settings.Listen, out var endpoint))
        {
            await error.WriteLineAsync($"lattice-mesh injector: --listen {settings.Listen} is not address:port. Fix: e.g. --listen 0.0.0.0:9443.");
            return LatticeMeshCli.Usage;
        }

        if (settings.NativeSidecars is not ("auto" or "true" or "false"))
        {
            await error.WriteLineAsync($"lattice-mesh injector: --native-sidecars {settings.NativeSidecars} is not auto, true or false. Fix: leave it at auto unless the cluster's version is misreported.");
            return LatticeMeshCli.Usage;
        }

        // Checked here, before serving: settings the webhook cannot use would otherwise fail every pod's admission.
        var sidecars = new InjectorSettings { ProxyImage = settings.ProxyImage, ControllerAddress = settings.Controller, OtlpEndpoint = settings.OtlpEndpoint };
        if (sidecars.Validate() is { Count: > 0 } errors)
        {
            foreach (var message in errors)
            {
                await error.WriteLineAsync($"lattice-mesh injector: {message}");
            }

            return LatticeMeshCli.Usage;
        }

        if (!Kubeconfig.TryResolve(settings.Kubeconfig, out var configuration, out var problem))
        {
            await error.WriteLineAsync($"lattice-mesh injector: {problem}");
            return LatticeMeshCli.Usage;
        }

        using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true));
        using var client = new k8s.Kubernetes(configuration);
        var native = settings.NativeSidecars switch
        {
            "true" => true,
            "false" => false,
            _ => InjectorVersions.SupportsNativeSidecars(await client.Version.GetCodeAsync(stopping)),
        };
        await using var server = await InjectorServer.StartAsync(client, new InjectorServerOptions
        {
            Settings = sidecars with { NativeSidecars = native },
            Listen = endpoint,
            Namespace = settings.Namespace,
            ServiceName = settings.Service,
            WebhookConfiguration = settings.WebhookConfiguration,
        }, loggers, stopping);
        await output.WriteLineAsync($"lattice-mesh injector: serving {server.Uri}{AdmissionEndpoint.Path} (proxy {settings.ProxyImage}, {(native ? "native sidecars" : "proxy as the first container")})");
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
            await output.WriteLineAsync("Stopping the injector...");
        }

        return LatticeMeshCli.Valid;
    }
}
