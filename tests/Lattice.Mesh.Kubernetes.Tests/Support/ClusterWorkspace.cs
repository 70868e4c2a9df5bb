using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Lattice.Mesh.Kubernetes.Tests.Support;

/// <summary>
/// The folder of one test run's cluster: PKI, kubeconfig, logs and etcd data, under /dev/shm when there is one (etcd
/// fsyncs a lot; tmpfs makes that free). It records its owner (the test host) and the pids it started, so that the
/// next run can kill what a crashed run left behind and delete its folder. After a clean run the logs stay until the
/// next run starts.
/// </summary>
internal sealed class ClusterWorkspace
{
    private const string OwnerFile = "owner";
    private const string PidsFile = "pids";
    private readonly Lock _pidsLock = new();

    private ClusterWorkspace(string folder) => Folder = folder;

    public string Folder { get; }

    public string EtcdDataFolder => Path.Combine(Folder, "etcd");

    public string PkiFolder => Path.Combine(Folder, "pki");

    public string KubeconfigPath => Path.Combine(Folder, "kubeconfig");

    public string KubectlCacheFolder => Path.Combine(Folder, "kubectl-cache");

    public string LogPath(string program) => Path.Combine(Folder, program + ".log");

    /// <summary>Reaps the leftovers of dead runs, then makes a new folder owned by this process.</summary>
    public static ClusterWorkspace Create()
    {
        var root = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "lattice-mesh-k8s");
        Directory.CreateDirectory(root);
        ReapDeadRuns(root);

        var folder = Path.Combine(root, $"run-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, OwnerFile), $"{Environment.ProcessId} {StartTimeOf(Environment.ProcessId)}\n");
        return new ClusterWorkspace(folder);
    }

    public void RecordPid(string program, int pid)
    {
        lock (_pidsLock)
        {
            File.AppendAllText(Path.Combine(Folder, PidsFile), $"{program} {pid}\n");
        }
    }

    /// <summary>Frees the memory etcd's data holds on tmpfs; logs and PKI stay for a post-mortem.</summary>
    public void DeleteEtcdData()
    {
        try
        {
            Directory.Delete(EtcdDataFolder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static void ReapDeadRuns(string root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(root, "run-*"))
        {
            var owner = Path.Combine(folder, OwnerFile);
            if (!File.Exists(owner))
            {
                // Being created right now, or not ours to judge: leave it unless it is old.
                if (DateTime.UtcNow - Directory.GetCreationTimeUtc(folder) < TimeSpan.FromHours(1))
                {
                    continue;
                }
            }
            else if (OwnerIsAlive(File.ReadAllText(owner)))
            {
                continue;
            }

            KillRecordedChildren(folder);
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run is reaping it too, or it is not ours; the next run tries again.
            }
        }
    }

    private static bool OwnerIsAlive(string ownerLine)
    {
        var parts = ownerLine.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)
            && StartTimeOf(pid) is { } started
            && started == parts[1];
    }

    /// <summary>Kills each recorded pid that is still one of this folder's programs (its command line names the folder), so a reused pid is never hit.</summary>
    private static void KillRecordedChildren(string folder)
    {
        var pids = Path.Combine(folder, PidsFile);
        if (!File.Exists(pids))
        {
            return;
        }

        foreach (var line in File.ReadAllLines(pids))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (!commandLine.Contains(folder, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile, or not ours to kill.
            }
        }
    }

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), which tells a reused pid apart; null when there is no such process.</summary>
    private static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
