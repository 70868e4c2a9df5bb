using System.ComponentModel;
using System.Diagnostics;

namespace Lattice.Mesh.Proxy.Capture;

/// <summary>
/// One iptables backend found on this machine: its list, save and restore commands. Found by running them, never
/// by guessing from the kernel version: the nat table must answer in this network namespace.
/// </summary>
internal sealed class Iptables
{
    private static readonly string[] ExtraFolders = ["/usr/sbin", "/sbin", "/usr/local/sbin"];
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private Iptables(string name, string list, string save, string restore)
    {
        Name = name;
        List = list;
        Save = save;
        Restore = restore;
    }

    /// <summary>The command's name, such as <c>iptables-nft</c>.</summary>
    public string Name { get; }

    public string List { get; }

    public string Save { get; }

    public string Restore { get; }

    /// <summary>The backend to use, and why it was chosen; or, when none works, why each failed.</summary>
    public static async Task<(Iptables? Found, string Report)> FindAsync(IptablesBackend backend, CancellationToken cancellationToken)
    {
        var candidates = backend switch
        {
            IptablesBackend.Nft => Locate("iptables-nft").ToList(),
            IptablesBackend.Legacy => Locate("iptables-legacy").ToList(),
            _ => Locate("iptables-nft").Concat(Locate("iptables-legacy")).ToList(),
        };
        if (candidates.Count == 0 && backend == IptablesBackend.Auto)
        {
            candidates = Locate("iptables").ToList();
        }

        if (candidates.Count == 0)
        {
            var wanted = backend switch
            {
                IptablesBackend.Nft => "iptables-nft, iptables-nft-save and iptables-nft-restore",
                IptablesBackend.Legacy => "iptables-legacy, iptables-legacy-save and iptables-legacy-restore",
                _ => "iptables-nft or iptables-legacy (with their -save and -restore)",
            };
            return (null, $"{wanted} not found in PATH or /usr/sbin; install iptables in the image (Debian: apt-get install iptables)");
        }

        var working = new List<Iptables>();
        var failures = new List<string>();
        foreach (var candidate in candidates)
        {
            var probe = await RunAsync(candidate.List, ["-w", "5", "-t", "nat", "-L", "-n"], null, cancellationToken);
            if (probe.Succeeded)
            {
                working.Add(candidate);
            }
            else
            {
                failures.Add($"{candidate.Name} -t nat -L: exit {probe.ExitCode}: {probe.Summary}");
            }
        }

        switch (working.Count)
        {
            case 0:
                return (null, $"no iptables here can read the nat table ({string.Join("; ", failures)})");
            case 1:
                return (working[0], failures.Count == 0 ? $"{working[0].Name}: the only iptables here" : $"{working[0].Name}: the only one whose nat table works here ({string.Join("; ", failures)})");
        }

        // Both work: follow the one already holding rules (the node's kubelet and CNI chose it), else nf_tables.
        var nft = working.Single(w => w.Name == "iptables-nft");
        var legacy = working.Single(w => w.Name == "iptables-legacy");
        var (nftRules, legacyRules) = (await CountRulesAsync(nft, cancellationToken), await CountRulesAsync(legacy, cancellationToken));
        return legacyRules > 0 && nftRules == 0
            ? (legacy, $"iptables-legacy: it holds {legacyRules} rules here and iptables-nft none")
            : (nft, $"iptables-nft: both backends work here and legacy holds no rules of its own ({nftRules} in nft, {legacyRules} in legacy)");
    }

    /// <summary>The nat table as <c>iptables-save</c> writes it.</summary>
    public Task<ProcessResult> SaveNatAsync(CancellationToken cancellationToken) => RunAsync(Save, ["-t", "nat"], null, cancellationToken);

    /// <summary>Applies <paramref name="input"/> in one transaction, leaving the rules of others in place.</summary>
    public Task<ProcessResult> RestoreAsync(string input, CancellationToken cancellationToken) => RunAsync(Restore, ["-w", "5", "--noflush"], input, cancellationToken);

    private static async Task<int> CountRulesAsync(Iptables backend, CancellationToken cancellationToken)
    {
        var saved = await RunAsync(backend.Save, [], null, cancellationToken);
        return saved.Succeeded ? saved.Output.Split('\n').Count(line => line.StartsWith("-A ", StringComparison.Ordinal)) : 0;
    }

    private static IEnumerable<Iptables> Locate(string name)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ExtraFolders);
        foreach (var folder in folders.Distinct(StringComparer.Ordinal))
        {
            var (list, save, restore) = (Path.Combine(folder, name), Path.Combine(folder, name + "-save"), Path.Combine(folder, name + "-restore"));
            if (File.Exists(list) && File.Exists(save) && File.Exists(restore))
            {
                yield return new Iptables(name, list, save, restore);
                yield break;
            }
        }
    }

    private static async Task<ProcessResult> RunAsync(string command, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start");
        }
        catch (Win32Exception e)
        {
            return new ProcessResult(127, "", $"{command} could not be started: {e.Message}");
        }

        using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(CommandTimeout);
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var error = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                if (input is not null)
                {
                    try
                    {
                        await process.StandardInput.WriteAsync(input.AsMemory(), deadline.Token);
                        process.StandardInput.Close();
                    }
                    catch (IOException)
                    {
                        // It exited before reading everything: its exit code and error output say why.
                    }
                }

                await process.WaitForExitAsync(deadline.Token);
                return new ProcessResult(process.ExitCode, await output, await error);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return new ProcessResult(124, "", $"{Path.GetFileName(command)} did not finish within {CommandTimeout.TotalSeconds:0}s (is another process holding the xtables lock?)");
            }
        }
    }
}
