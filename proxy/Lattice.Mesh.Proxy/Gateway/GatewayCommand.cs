using System.Globalization;
using Lattice.Mesh.Proxy.Configuration;
using Lattice.Mesh.Proxy.Security;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>
/// <c>lattice-proxy gateway</c>: the same binary as the ingress gateway. Its route table is a file it watches (written
/// by <c>lattice-mesh up</c>, or mounted), its public certificates a folder of TLS Secrets, its mesh identity the
/// usual certificate files. It prints one line saying where it listens, which <c>up</c> reads.
/// </summary>
internal static class GatewayCommand
{
    public const string Usage = "Usage: lattice-proxy gateway --RouteTable=gateway.json --Secrets=<folder of <secret>/tls.crt,tls.key> --Certificate=tls.crt --Key=tls.key --TrustBundle=ca.crt [--HttpPort=80] [--HttpsPort=443] [--BindAddress=0.0.0.0] [--PublicHttpsPort=443] [--ParentProcessId=N]";

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

        var defaults = new GatewayOptions { Certificates = new GatewayCertificateOptions { Folder = "." }, MeshCertificates = MeshCertificateOptions.InFolder(".") };
        var routes = configuration["RouteTable"]!;
        var options = defaults with
        {
            HttpPort = configuration.GetValue("HttpPort", defaults.HttpPort),
            HttpsPort = configuration.GetValue("HttpsPort", defaults.HttpsPort),
            BindAddress = configuration["BindAddress"] ?? defaults.BindAddress,
            PublicHttpsPort = configuration.GetValue("PublicHttpsPort", defaults.PublicHttpsPort),
            Certificates = new GatewayCertificateOptions { Folder = configuration["Secrets"]! },
            MeshCertificates = new MeshCertificateOptions { CertificatePath = configuration["Certificate"]!, KeyPath = configuration["Key"]!, TrustBundlePath = configuration["TrustBundle"]! },
            Routes = Read(routes, error),
        };

        await using var gateway = await GatewayServer.StartAsync(options, logging => logging.AddSimpleConsole(console => console.SingleLine = true), stopping);
        using var watch = new FileWatch([Path.GetFullPath(routes)], TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100), TimeProvider.System, () =>
        {
            if (Read(routes, error) is { } table && !gateway.TryApply(table, out var failure))
            {
                error.WriteLine($"lattice-proxy gateway: {routes} refused, the last good table keeps serving: {failure}");
            }
        });
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Gateway listening: http {gateway.HttpUri}, https {gateway.HttpsUri}"));
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

    private static RouteTable.RouteTable? Read(string path, TextWriter error)
    {
        try
        {
            var read = RouteTableSerializer.Read(File.ReadAllText(path));
            if (read.IsValid)
            {
                return read.Table;
            }

            error.WriteLine($"lattice-proxy gateway: {path} is not a valid route table: {string.Join("; ", read.Errors)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"lattice-proxy gateway: cannot read {path} ({e.Message}); it answers 503 until it can");
        }

        return null;
    }
}
