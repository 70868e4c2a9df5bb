using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// The Debian tools the comparison paths run (<c>nginx</c>, <c>wrk</c>): found on PATH or in the sbin folders, and
/// installed by <c>loadtests/setup.sh</c> (once per run) when one is missing. Nothing here throws: a tool that cannot
/// be had comes back as a reason, which the caller puts in the report.
/// </summary>
internal static class DebianPackages
{
    private static readonly string[] ExtraFolders = ["/usr/sbin", "/sbin", "/usr/local/sbin"];
    private static readonly Lock Gate = new();
    private static Task<string?>? _setup;

    /// <summary>The full path of <paramref name="command"/>, or null where it is not installed.</summary>
    public static string? Find(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraFolders)
            .Select(folder => Path.Combine(folder, command))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// The full path of <paramref name="command"/> (<c>nginx</c> or <c>wrk</c>), running <c>loadtests/setup.sh</c> first
    /// where it is missing; otherwise why it could not be had.
    /// </summary>
    public static async Task<(string? Path, string? Reason)> RequireAsync(string command, TextWriter log, CancellationToken cancellationToken)
    {
        if (Find(command) is { } found)
        {
            return (found, null);
        }

        Task<string?> setup;
        lock (Gate)
        {
            setup = _setup ??= SetUpAsync(log, cancellationToken);
        }

        var failure = await setup;
        return Find(command) is { } installed
            ? (installed, null)
            : (null, $"`{command}` is not installed and {failure ?? "loadtests/setup.sh did not install it"}");
    }

    /// <summary>Runs setup.sh; null when it succeeded, else what went wrong.</summary>
    private static async Task<string?> SetUpAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var script = SetupScript();
        if (script is null)
        {
            return "loadtests/setup.sh was not found beside the sources or above the working folder to install it";
        }

        await log.WriteLineAsync($"nginx or wrk missing: running {script}");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var said = (await output + await errors).Trim();
            await log.WriteLineAsync(said);
            return process.ExitCode == 0 ? null : $"loadtests/setup.sh failed (exit {process.ExitCode}): {LastLine(said)}";
        }
        catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException or OperationCanceledException)
        {
            return $"loadtests/setup.sh could not run: {exception.Message}";
        }
    }

    /// <summary>setup.sh beside this source file (a build from the work tree), else in a loadtests/ above the working folder.</summary>
    private static string? SetupScript([CallerFilePath] string thisFile = "")
    {
        var besideSources = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile) ?? ".", "..", "setup.sh"));
        if (File.Exists(besideSources))
        {
            return besideSources;
        }

        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(folder.FullName, "setup.sh"), Path.Combine(folder.FullName, "loadtests", "setup.sh") })
            {
                if (File.Exists(candidate) && File.Exists(Path.Combine(Path.GetDirectoryName(candidate)!, "Lattice.Mesh.LoadTests.csproj")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "no output";
}
