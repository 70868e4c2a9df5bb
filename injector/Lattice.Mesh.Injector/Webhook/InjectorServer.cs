using System.Net;
using k8s;
using Lattice.Mesh.Injector.Mutation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Lattice.Mesh.Injector.Webhook;

/// <summary>How the injector runs.</summary>
public sealed record InjectorServerOptions
{
    public required InjectorSettings Settings { get; init; }

    public IPEndPoint Listen { get; init; } = new(IPAddress.Any, 9443);

    /// <summary>Where its Secret is, and the namespace of its Service.</summary>
    public string Namespace { get; init; } = Kubernetes.Labels.SystemNamespace;

    /// <summary>Its Service's name: the serving certificate names <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>.</summary>
    public string ServiceName { get; init; } = "lattice-injector";

    public string SecretName { get; init; } = "lattice-injector-tls";

    /// <summary>The MutatingWebhookConfiguration whose caBundle it keeps current.</summary>
    public string WebhookConfiguration { get; init; } = "lattice-sidecar-injector";

    /// <summary>Addresses the certificate also names (a webhook reached by URL, as in the tests).</summary>
    public IReadOnlyList<IPAddress> ExtraAddresses { get; init; } = [];

    /// <summary>While the webhook configuration does not exist yet, look for it this often (installs need no order).</summary>
    public TimeSpan CaBundleRetry { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The injector: its certificate made or refreshed, its caBundle patched, and /mutate served over TLS.</summary>
public sealed partial class InjectorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private Task _caBundle = Task.CompletedTask;

    private InjectorServer(WebApplication app) => _app = app;

    public Uri Uri => new(_app.Urls.Single());

    public static async Task<InjectorServer> StartAsync(IKubernetes client, InjectorServerOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<InjectorServer>();
        var service = options.ServiceName;
        string[] names = [service, $"{service}.{options.Namespace}", $"{service}.{options.Namespace}.svc", $"{service}.{options.Namespace}.svc.cluster.local"];
        var serving = await WebhookCertificates.EnsureAsync(client, options.Namespace, options.SecretName, names, options.ExtraAddresses, TimeProvider.System, logger, cancellationToken);
        var patched = await WebhookCertificates.PatchCaBundleAsync(client, options.WebhookConfiguration, serving.CaPem, cancellationToken);
        if (!patched)
        {
            Log.NoConfiguration(logger, options.WebhookConfiguration);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.Listen, listen => listen.UseHttps(serving.Certificate));
        });
        var app = builder.Build();
        var namespaces = new NamespaceLabels(client, TimeProvider.System);
        app.MapSidecarInjection(options.Settings, namespaces.GetAsync, loggers.CreateLogger(typeof(AdmissionEndpoint)));
        app.MapGet("/healthz", () => "ok\n");
        await app.StartAsync(cancellationToken);
        var server = new InjectorServer(app);
        if (!patched)
        {
            server._caBundle = server.PatchWhenConfiguredAsync(client, options, serving.CaPem, logger);
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _caBundle;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task PatchWhenConfiguredAsync(IKubernetes client, InjectorServerOptions options, string caPem, ILogger logger)
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CaBundleRetry, stopping);
                if (await WebhookCertificates.PatchCaBundleAsync(client, options.WebhookConfiguration, caPem, stopping))
                {
                    Log.Patched(logger, options.WebhookConfiguration);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                Log.PatchFailed(logger, options.WebhookConfiguration, e.Message);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "MutatingWebhookConfiguration {Name} does not exist yet; its caBundle is set as soon as it does")]
        public static partial void NoConfiguration(ILogger logger, string name);

        [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "MutatingWebhookConfiguration {Name} now trusts the injector's certificate")]
        public static partial void Patched(ILogger logger, string name);

        [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Setting the caBundle of {Name} failed ({Reason}); retrying")]
        public static partial void PatchFailed(ILogger logger, string name, string reason);
    }
}
