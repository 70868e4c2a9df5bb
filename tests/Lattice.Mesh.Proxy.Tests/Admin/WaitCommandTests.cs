using System.Diagnostics;
using Lattice.Mesh.Proxy.Admin;
using Microsoft.AspNetCore.Http;
using Lattice.Mesh.Proxy.Tests.Capture;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Admin;

/// <summary>lattice-proxy wait against a real sidecar's admin listener: ready, not ready, becoming ready, absent.</summary>
public sealed class WaitCommandTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lattice-wait-");
    private Sidecar _sidecar = null!;

    public async ValueTask InitializeAsync() =>
        _sidecar = await Sidecar.StartAsync(Path.Combine(_folder.FullName, "sonarr"), "spiffe://lattice.local/ns/media/sa/sonarr", Pki.Create());

    public async ValueTask DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task ReadyProxy_Exits0_SayingSo()
    {
        await _sidecar.ApplyAsync(SonarrTable());

        var (exit, output, _) = await WaitAsync($"--admin={_sidecar.Server.AdminUri}", "--timeout=10s");

        Assert.Equal(WaitCommand.Ready, exit);
        Assert.Contains("the proxy is ready after", output, StringComparison.Ordinal);
        Assert.Contains("ready: route table", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyNotReady_Exits1_AtTheTimeout_WithItsLastAnswer()
    {
        var clock = Stopwatch.StartNew();

        var (exit, _, error) = await WaitAsync($"--admin={_sidecar.Server.AdminUri}", "--timeout=700ms");

        Assert.Equal(WaitCommand.NotReady, exit);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(10));
        Assert.Contains("was not ready within 700ms; its last answer: 503 not ready: no route table yet", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyBecomingReady_WhileWaiting_Exits0()
    {
        // An admin that answers 503 until told otherwise, counting the polls.
        var (polls, ready) = (0, 0);
        await using var admin = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref polls);
            context.Response.StatusCode = Volatile.Read(ref ready) == 1 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return context.Response.WriteAsync(Volatile.Read(ref ready) == 1 ? "ready: route table r2" : "not ready: no route table yet", Ct);
        });
        var waiting = WaitAsync($"--admin={admin.Address}", "--timeout=30s");
        await Eventually.Async(() => Task.FromResult(Volatile.Read(ref polls) >= 3), "wait to poll a proxy that is not ready");
        Assert.False(waiting.IsCompleted);

        Volatile.Write(ref ready, 1);

        var (exit, output, _) = await waiting;
        Assert.Equal(WaitCommand.Ready, exit);
        Assert.Contains("(ready: route table r2)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_Exits1_NamingTheRefusal()
    {
        var (exit, _, error) = await WaitAsync($"--admin={Forwarding.RefusedPort.Address()}", "--timeout=500ms");

        Assert.Equal(WaitCommand.NotReady, exit);
        Assert.Contains("Connection refused", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--timeout=soon", "--timeout=soon is not a duration; write 500ms, 60s, 2m or 1h")]
    [InlineData("--timeout=0s", "--timeout=0s is not a duration")]
    [InlineData("--admin=127.0.0.1:15000", "--admin=127.0.0.1:15000 is not an http URL; give the proxy's admin listener, e.g. --admin=http://127.0.0.1:15000")]
    [InlineData("--wait=5s", "--wait is not a flag of this command (known: --admin=, --timeout=)")]
    public async Task BadFlag_Exits2_WithItsFix(string flag, string expected)
    {
        var (exit, _, error) = await WaitAsync(flag);

        Assert.Equal(WaitCommand.BadFlags, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("60s", 60_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("15", 15_000)]
    public void Durations_ReadAsWritten(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), WaitCommand.ParseDuration(text));

    [Fact]
    public async Task TheProgram_RunsWait_AsItsFirstArgument()
    {
        await _sidecar.ApplyAsync(SonarrTable());

        var result = await HostCommand.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "lattice-proxy.dll"), "wait", $"--admin={_sidecar.Server.AdminUri}", "--timeout=20s"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("the proxy is ready", result.Output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Error)> WaitAsync(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await WaitCommand.RunAsync(arguments, output, error, Ct);
        return (exit, output.ToString(), error.ToString());
    }

    private static RouteTable.RouteTable SonarrTable()
    {
        var set = Lattice.Mesh.Compiler.Manifests.ManifestLoader.Load(Repository.MediaServer);
        return Lattice.Mesh.Compiler.Compilation.MeshCompiler.Compile(set.Services).RouteTables[new("media", "sonarr")];
    }
}
