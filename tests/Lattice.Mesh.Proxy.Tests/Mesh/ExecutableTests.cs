using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Mesh;

/// <summary>The lattice-proxy program itself, started as a process the way a pod starts it.</summary>
public sealed partial class ExecutableTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-proxy-exe-");

    [Fact]
    public async Task Starts_FromItsFlags_ServesHealth_AndLogsWhereItListens()
    {
        var files = Pki.Create().WriteWorkloadFiles(_folder.FullName, "spiffe://lattice.local/ns/media/sa/sonarr");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"));
        foreach (var argument in new[]
        {
            $"--RouteTable={Path.Combine(_folder.FullName, "routes.json")}", $"--Certificate={files.Certificate}", $"--Key={files.Key}",
            $"--TrustBundle={files.TrustBundle}", "--OutboundPort=0", "--InboundPort=0", "--AdminPort=0", "--InboundBindAddress=127.0.0.1",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            var admin = await ReadAdminAddressAsync(process);
            using var client = new HttpClient { BaseAddress = admin };
            using var health = await client.GetAsync("/healthz", Ct);
            using var ready = await client.GetAsync("/readyz", Ct);

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task WithoutItsFiles_ExitsWithAnErrorNamingTheFlag()
    {
        var (exitCode, error) = await RunToExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("--RouteTable is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAnUnknownPeerProtocol_ExitsWithAnErrorNamingTheChoices()
    {
        var (exitCode, error) = await RunToExitAsync("--RouteTable=r", "--Certificate=c", "--Key=k", "--TrustBundle=b", "--PeerHttpVersion=3");

        Assert.Equal(2, exitCode);
        Assert.Contains("use 1.1 (the default) or 2", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    public async Task WithAConnectionCapThatIsNoPositiveNumber_ExitsWithAnErrorGivingTheDefault(string cap)
    {
        var (exitCode, error) = await RunToExitAsync("--RouteTable=r", "--Certificate=c", "--Key=k", "--TrustBundle=b", $"--MaxPeerConnections={cap}");

        Assert.Equal(2, exitCode);
        Assert.Contains($"--MaxPeerConnections={cap} is not a whole number above 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithFlagsOfTheWrongForm_ExitsWithOneErrorPerFlag_NamingTheValueAndTheFormItNeeds()
    {
        var (exitCode, error) = await RunToExitAsync("--RouteTable=r", "--Certificate=c", "--Key=k", "--TrustBundle=b", "--InlineScheduling=maybe", "--OutboundPort=http", "--AdminPort=70000");

        Assert.Equal(2, exitCode);
        Assert.Contains("--InlineScheduling=maybe is not true or false; give true or false, or leave it out for true.", error, StringComparison.Ordinal);
        Assert.Contains("--OutboundPort=http is not a port, 0 to 65535", error, StringComparison.Ordinal);
        Assert.Contains("--AdminPort=70000 is not a port, 0 to 65535", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WithFlagsOfTheWrongForm_ExitsWithOneErrorPerFlag()
    {
        var (exitCode, error) = await RunToExitAsync("gateway", "--RouteTable=r", "--Secrets=s", "--Certificate=c", "--Key=k", "--TrustBundle=b", "--InlineScheduling=yes", "--MaxSidecarConnections=0");

        Assert.Equal(2, exitCode);
        Assert.Contains("lattice-proxy gateway: --InlineScheduling=yes is not true or false", error, StringComparison.Ordinal);
        Assert.Contains("lattice-proxy gateway: --MaxSidecarConnections=0 is not a whole number above 0; give a whole number above 0, or leave it out for 1024.", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--OtlpEndpoint=otel-collector:4318")]
    [InlineData("--OtlpEndpoint=grpc://otel-collector:4317")]
    public async Task WithACollectorThatIsNoHttpAddress_ExitsWithAnErrorGivingAnExample(string collector)
    {
        var (exitCode, error) = await RunToExitAsync("--RouteTable=r", "--Certificate=c", "--Key=k", "--TrustBundle=b", collector);

        Assert.Equal(2, exitCode);
        Assert.Contains("not an http or https address", error, StringComparison.Ordinal);
        Assert.Contains("such as http://otel-collector.monitoring:4318", error, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static async Task<(int ExitCode, string Error)> RunToExitAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(Ct);
        _ = process.StandardOutput.ReadToEndAsync(Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await error);
    }

    private static async Task<Uri> ReadAdminAddressAsync(Process process)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (AdminAddress().Match(line) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException("the proxy exited without saying where it listens");
    }

    [GeneratedRegex(@"admin (http://\S+?)/?$")]
    private static partial Regex AdminAddress();
}
