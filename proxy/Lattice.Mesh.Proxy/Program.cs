using Lattice.Mesh.Proxy;
using Lattice.Mesh.Proxy.Admin;
using Lattice.Mesh.Proxy.Capture;
using Lattice.Mesh.Proxy.Configuration;

// One image serves every role in the pod; the first argument picks it:
//   lattice-proxy capture --apply --proxy-uid=1337 ...   the init container: iptables rules that send the pod's TCP through the sidecar
//   lattice-proxy wait [--admin=...] [--timeout=60s]     the app's postStart hook: hold the app until the sidecar is ready
//   lattice-proxy gateway --RouteTable=... --Secrets=...  the ingress gateway (jellyfin.home.local, ...)
//   lattice-proxy --RouteTable=... (no subcommand)        the sidecar itself
switch (args.FirstOrDefault())
{
    case "capture":
        return await CaptureCommand.RunAsync(args[1..], Console.Out, Console.Error, CancellationToken.None);
    case "gateway":
        using (var stopping = new CancellationTokenSource())
        {
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                stopping.Cancel();
            };
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    stopping.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Already stopped.
                }
            };
            var gatewayParent = args.FirstOrDefault(a => a.StartsWith("--ParentProcessId=", StringComparison.Ordinal));
            if (gatewayParent is not null && int.TryParse(gatewayParent["--ParentProcessId=".Length..], System.Globalization.CultureInfo.InvariantCulture, out var gatewayParentId))
            {
                // Started by lattice-mesh up: go when it goes.
                _ = Task.Run(async () =>
                {
                    try
                    {
                        using var parent = System.Diagnostics.Process.GetProcessById(gatewayParentId);
                        await parent.WaitForExitAsync();
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }

                    await stopping.CancelAsync();
                });
            }

            return await Lattice.Mesh.Proxy.Gateway.GatewayCommand.RunAsync(args[1..], Console.Out, Console.Error, stopping.Token);
        }

    case "wait":
        using (var interrupted = new CancellationTokenSource())
        {
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                interrupted.Cancel();
            };
            return await WaitCommand.RunAsync(args[1..], Console.Out, Console.Error, interrupted.Token);
        }
}

// lattice-proxy --RouteTable=/etc/lattice/routes.json --Certificate=... --Key=... --TrustBundle=...
// Settings also come from LATTICE_PROXY_* environment variables (LATTICE_PROXY_ROUTETABLE, ...).
var configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables("LATTICE_PROXY_")
    .AddCommandLine(args)
    .Build();

string[] files = ["RouteTable", "Certificate", "Key", "TrustBundle"];
var missing = files.Where(key => string.IsNullOrEmpty(configuration[key])).ToList();
if (missing.Count > 0)
{
    foreach (var key in missing)
    {
        await Console.Error.WriteLineAsync($"lattice-proxy: --{key} is required (or LATTICE_PROXY_{key.ToUpperInvariant()}): it names a file.");
    }

    await Console.Error.WriteLineAsync("Usage: lattice-proxy --RouteTable=routes.json --Certificate=tls.crt --Key=tls.key --TrustBundle=ca.crt [--OutboundPort=15001] [--InboundPort=15006] [--AdminPort=15000] [--AdminBindAddress=127.0.0.1] [--AccessLog=true] [--OtlpEndpoint=http://<collector>:4318] [--PeerHttpVersion=1.1|2] [--InlineScheduling=false] [--MaxPeerConnections=32] [--Controller=https://lattice-controller.lattice-system:15012 [--BootstrapToken=token]]");
    return 2;
}

Version? peerVersion = configuration["PeerHttpVersion"] switch
{
    null or "" or "1.1" => System.Net.HttpVersion.Version11,
    "2" or "2.0" => System.Net.HttpVersion.Version20,
    _ => null,
};
if (peerVersion is null)
{
    await Console.Error.WriteLineAsync($"lattice-proxy: --PeerHttpVersion={configuration["PeerHttpVersion"]} is not a protocol between sidecars; use 1.1 (the default) or 2.");
    return 2;
}

if (configuration["BootstrapToken"] is { Length: > 0 } && configuration["Controller"] is not { Length: > 0 })
{
    await Console.Error.WriteLineAsync("lattice-proxy: --BootstrapToken is the credential for the controller's certificate endpoint; add --Controller=https://<controller> or drop --BootstrapToken and provide --Certificate and --Key files.");
    return 2;
}

var defaults = new ProxyOptions { RouteTablePath = "", CertificatePath = "", KeyPath = "", TrustBundlePath = "" };
var values = new CommandLineValues(configuration);

// Spans go to a collector only when one is named, here or by OpenTelemetry's own variable.
Uri? otlpEndpoint = null;
if ((configuration["OtlpEndpoint"] ?? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")) is { Length: > 0 } collector
    && !(Uri.TryCreate(collector, UriKind.Absolute, out otlpEndpoint) && otlpEndpoint.Scheme is "http" or "https"))
{
    await Console.Error.WriteLineAsync($"lattice-proxy: --OtlpEndpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) is {collector}, not an http or https address; give the collector's OTLP/HTTP address, such as http://otel-collector.monitoring:4318, or leave it unset for no spans.");
    return 2;
}

string Required(string key) => configuration[key]!;

var options = defaults with
{
    RouteTablePath = Required("RouteTable"),
    CertificatePath = Required("Certificate"),
    KeyPath = Required("Key"),
    TrustBundlePath = Required("TrustBundle"),
    OutboundPort = values.Port("OutboundPort", defaults.OutboundPort),
    InboundPort = values.Port("InboundPort", defaults.InboundPort),
    AdminPort = values.Port("AdminPort", defaults.AdminPort),
    InboundBindAddress = configuration["InboundBindAddress"] ?? defaults.InboundBindAddress,
    AdminBindAddress = configuration["AdminBindAddress"] ?? defaults.AdminBindAddress,
    AccessLog = values.Switch("AccessLog", defaults.AccessLog),
    OtlpEndpoint = otlpEndpoint,
    RetryNonIdempotent = values.Switch("RetryNonIdempotent", defaults.RetryNonIdempotent),
    PeerHttpVersion = peerVersion,
    InlineScheduling = values.Switch("InlineScheduling", defaults.InlineScheduling),
    MaxPeerConnections = values.Count("MaxPeerConnections", defaults.MaxPeerConnections),
    ControllerUri = configuration["Controller"] is { Length: > 0 } controller ? new Uri(controller) : null,
    BootstrapTokenPath = configuration["BootstrapToken"] is { Length: > 0 } token ? token : null,
    Instance = configuration["Instance"] ?? defaults.Instance,
    // The app's original probes, rewritten by the injector to /app-health/...; read once, here.
    AppProbes = configuration["AppProbes"] ?? Environment.GetEnvironmentVariable(AppProbeSet.Variable),
    AppPortOverrides = configuration.GetSection("AppPortOverrides").GetChildren()
        .ToDictionary(p => int.Parse(p.Key, System.Globalization.CultureInfo.InvariantCulture), p => int.Parse(p.Value!, System.Globalization.CultureInfo.InvariantCulture)),
};

if (await values.ReportAsync(Console.Error, "lattice-proxy"))
{
    return 2;
}

// With Kestrel's inline scheduling, socket completions run inline too; nothing has made a socket yet.
if (options.InlineScheduling)
{
    InlineCompletions.PreferUnlessSet();
}

await using var server = await ProxyServer.StartAsync(options);
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();

// Started by lattice-mesh up: go when it goes, even if it was killed and could not stop us itself.
if (configuration.GetValue<int?>("ParentProcessId") is { } parentId)
{
    _ = Task.Run(async () =>
    {
        try
        {
            using var parent = System.Diagnostics.Process.GetProcessById(parentId);
            await parent.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        stop.TrySetResult();
    });
}
await stop.Task;
return 0;
