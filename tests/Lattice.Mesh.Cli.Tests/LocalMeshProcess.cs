using System.Diagnostics;
using System.Text.Json;

namespace Lattice.Mesh.Cli.Tests;

/// <summary><c>lattice-mesh up</c> run as a user runs it, on a copy of examples/media-server, with its addresses read from --endpoints.</summary>
public sealed class LocalMeshProcess : IAsyncDisposable
{
    private readonly Process _process;

    private LocalMeshProcess(Process process, string folder, JsonElement endpoints)
    {
        _process = process;
        Folder = folder;
        Endpoints = endpoints;
    }

    public string Folder { get; }

    public string Manifests => Path.Combine(Folder, "manifests");

    public JsonElement Endpoints { get; }

    public HttpClient Client { get; } = new();

    public static async Task<LocalMeshProcess> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("lattice-up-").FullName;
        var manifests = Directory.CreateDirectory(Path.Combine(folder, "manifests")).FullName;
        foreach (var file in Directory.EnumerateFiles(Cli.MediaServer))
        {
            File.Copy(file, Path.Combine(manifests, Path.GetFileName(file)));
        }

        var endpoints = Path.Combine(folder, "endpoints.json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "lattice-mesh.dll"), "up", manifests, "--state-dir", Path.Combine(folder, "state"), "--endpoints", endpoints })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(endpoints))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"lattice-mesh up did not come up (exited: {process.HasExited})");
            }

            await Task.Delay(100);
        }

        return new LocalMeshProcess(process, folder, JsonDocument.Parse(await File.ReadAllTextAsync(endpoints)).RootElement);
    }

    public Uri App(string service) => new(Endpoints.GetProperty("services").GetProperty($"media/{service}").GetProperty("app").GetString()!);

    /// <summary>Asks <paramref name="caller"/>'s stand-in app to call <paramref name="callee"/> through its sidecar.</summary>
    public async Task<(int Status, JsonElement Result)> CallAsync(string caller, string callee, CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync(new Uri(App(caller), $"/call/{callee}/"), cancellationToken);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
        return ((int)response.StatusCode, result);
    }

    /// <summary>Sidecar processes this run started that are still alive.</summary>
    public int LiveSidecars() =>
        Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsAsciiDigit)).Count(pid =>
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Contains($"--ParentProcessId={_process.Id}", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        });

    /// <summary>Stops it as kill(1) does, and waits for it to exit.</summary>
    public async Task<int> TerminateAsync(CancellationToken cancellationToken)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
