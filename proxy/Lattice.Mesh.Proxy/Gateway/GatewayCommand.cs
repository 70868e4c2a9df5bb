using System.Globalization;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Security;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// <c>lattice-proxy gateway</c>: the same binary as the ingress gateway. Its route table is a file it watches: pushed
/// there by the controller with <c>--Controller</c> (in the cluster), or written by <c>lattice-mesh up</c>. Its public
/// certificates are a folder of TLS Secrets; its mesh identity is the usual certificate files, issued by the
/// controller with <c>--BootstrapToken</c>. It prints one line saying where it listens, which <c>up</c> reads.
/// </summary>
internal static class GatewayCommand
{
    public const string Usage = "Usage: lattice-proxy gateway --RouteTable=gateway.json --Secrets=<folder of <secret>/tls.crt,tls.key> --Certificate=tls.crt --Key=tls.key --TrustBundle=ca.crt [--HttpPort=80] [--HttpsPort=443] [--StatusPort=15021] [--BindAddress=0.0.0.0] [--PublicHttpsPort=443] [--MaxSidecarConnections=1024] [--InlineScheduling=false] [--Controller=https://lattice-controller.lattice-system.svc:15012 [--BootstrapToken=token]] [--ParentProcessId=N]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stopping)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables("LATTICE_GATEWAY_").AddCommandLine(args).Build();
        string[] required = ["RouteTable", "Secrets", "Certificate", "Key", "TrustBundle"];
        var missing = required.Where(key => string.IsNullOrEmpty(configuration[key])).ToList();
        if (missing.Count > 0)
        {
            await error.WriteLineAsync($"lattice-proxy gateway: {string.Join(", ", missing.Select(k => "--" + k))} required; each names a file or folder.");
            await error.WriteLineAsync(Usage);
            return 2;
        }

        if (configuration["BootstrapToken"] is { Length: > 0 } && configuration["Controller"] is not { Length: > 0 })
        {
            await error.WriteLineAsync("lattice-proxy gateway: --BootstrapToken is the credential for the controller's certificate endpoint; add --Controller=https://<controller> or drop --BootstrapToken and provide --Certificate and --Key files.");
            return 2;
        }

        if (configuration["Controller"] is { Length: > 0 } address && (!Uri.TryCreate(address, UriKind.Absolute, out var parsed) || parsed.Scheme != Uri.UriSchemeHttps))
        {
            await error.WriteLineAsync($"lattice-proxy gateway: --Controller={address} is not an https address; use e.g. https://lattice-controller.lattice-system.svc:15012");
            return 2;
        }

        var defaults = new GatewayOptions { Certificates = new GatewayCertificateOptions { Folder = "." }, MeshCertificates = MeshCertificateOptions.InFolder(".") };
        var routes = configuration["RouteTable"]!;
        var values = new CommandLineValues(configuration);
        var options = defaults with
        {
            HttpPort = values.Port("HttpPort", defaults.HttpPort),
            HttpsPort = values.Port("HttpsPort", defaults.HttpsPort),
            StatusPort = values.Port("StatusPort", defaults.StatusPort),
            BindAddress = configuration["BindAddress"] ?? defaults.BindAddress,
            PublicHttpsPort = values.Port("PublicHttpsPort", defaults.PublicHttpsPort),
            MaxSidecarConnections = values.Count("MaxSidecarConnections", defaults.MaxSidecarConnections),
            InlineScheduling = values.Switch("InlineScheduling", defaults.InlineScheduling),
            Certificates = new GatewayCertificateOptions { Folder = configuration["Secrets"]! },
            MeshCertificates = new MeshCertificateOptions { CertificatePath = configuration["Certificate"]!, KeyPath = configuration["Key"]!, TrustBundlePath = configuration["TrustBundle"]! },
            RouteTablePath = Path.GetFullPath(routes),
            Controller = configuration["Controller"] is { Length: > 0 } controller ? Connection(new Uri(controller), configuration) : null,
        };

        if (await values.ReportAsync(error, "lattice-proxy gateway"))
        {
            return 2;
        }

        if (options.InlineScheduling)
        {
            // Nothing has made a socket yet.
            InlineCompletions.PreferUnlessSet();
        }

        await using var gateway = await GatewayServer.StartAsync(options, logging => logging.AddSimpleConsole(console => console.SingleLine = true), stopping);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Gateway listening: http {gateway.HttpUri}, https {gateway.HttpsUri}, status {gateway.StatusUri}"));
        await output.FlushAsync(stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        return 0;
    }

    private static ControllerConnection Connection(Uri controller, IConfiguration configuration)
    {
        var connection = new ControllerConnection { Uri = controller, BootstrapTokenPath = configuration["BootstrapToken"] is { Length: > 0 } token ? token : null };
        return configuration["Instance"] is { Length: > 0 } instance ? connection with { Instance = instance } : connection;
    }
}
