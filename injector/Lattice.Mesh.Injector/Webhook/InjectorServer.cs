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

    /// <summary>How often a running injector checks that its certificate is not close to expiry (and renews it if so).</summary>
    public TimeSpan CertificateCheck { get; init; } = TimeSpan.FromHours(12);
}

/// <summary>The injector: its certificate made or refreshed, its caBundle patched, and /mutate served over TLS.</summary>
public sealed partial class InjectorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ServingHolder _serving;
    private Task _caBundle = Task.CompletedTask;
    private Task _renewal = Task.CompletedTask;

    private InjectorServer(WebApplication app, ServingHolder serving)
    {
        _app = app;
        _serving = serving;
    }

    /// <summary>The serving certificate now (it changes when renewed; Kestrel picks it per handshake).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate => _serving.Current.Certificate;

    public Uri Uri => new(_app.Urls.Single());

    public static async Task<InjectorServer> StartAsync(IKubernetes client, InjectorServerOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<InjectorServer>();
        var service = options.ServiceName;
        string[] names = [service, $"{service}.{options.Namespace}", $"{service}.{options.Namespace}.svc", $"{service}.{options.Namespace}.svc.cluster.local"];
        var serving = await WebhookCertificates.EnsureAsync(client, options.Namespace, options.SecretName, names, options.ExtraAddresses, TimeProvider.System, logger, cancellationToken);
        var holder = new ServingHolder { Current = serving };
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
            k.Listen(options.Listen, listen => listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => holder.Current.Certificate));
        });
        var app = builder.Build();
        var namespaces = new NamespaceLabels(client, TimeProvider.System);
        app.MapSidecarInjection(options.Settings, namespaces.GetAsync, loggers.CreateLogger(typeof(AdmissionEndpoint)));
        app.MapGet("/healthz", () => "ok\n");
        await app.StartAsync(cancellationToken);
        var server = new InjectorServer(app, holder);
        if (!patched)
        {
            server._caBundle = server.PatchWhenConfiguredAsync(client, options, serving.CaPem, logger);
        }

        server._renewal = server.RenewAsync(client, options, names, logger);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _caBundle;
        await _renewal;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>A long-running injector renews its certificate (and the caBundle, if its CA changed) before it expires.</summary>
    private async Task RenewAsync(IKubernetes client, InjectorServerOptions options, string[] names, ILogger logger)
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.CertificateCheck, stopping);
                var renewed = await WebhookCertificates.EnsureAsync(client, options.Namespace, options.SecretName, names, options.ExtraAddresses, TimeProvider.System, logger, stopping);
                if (renewed.Certificate.Thumbprint != _serving.Current.Certificate.Thumbprint)
                {
                    // Trust both CAs first, then serve the new certificate: no call from the API server fails in between.
                    // The old CA drops out of the bundle at the next renewal.
                    await WebhookCertificates.PatchCaBundleAsync(client, options.WebhookConfiguration, renewed.CaPem.TrimEnd() + "\n" + _serving.Current.CaPem.TrimEnd() + "\n", stopping);
                    _serving.Current = renewed;
                    Log.Renewed(logger, renewed.Certificate.NotAfter);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                Log.PatchFailed(logger, options.SecretName, e.Message);
            }
        }
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

        [LoggerMessage(EventId = 6105, Level = LogLevel.Information, Message = "Renewed the injector's serving certificate, now valid until {NotAfter:u}")]
        public static partial void Renewed(ILogger logger, DateTime notAfter);

        [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Setting the caBundle of {Name} failed ({Reason}); retrying")]
        public static partial void PatchFailed(ILogger logger, string name, string reason);
    }
}

/// <summary>The serving certificate in force, swapped whole when renewed.</summary>
internal sealed class ServingHolder
{
    private WebhookCertificates.Serving? _current;

    public WebhookCertificates.Serving Current
    {
        get => Volatile.Read(ref _current)!;
        set => Volatile.Write(ref _current, value);
    }
}
