using System.Globalization;

namespace Lattice.Mesh.LoadTests.Targets;

/// <summary>
/// A process's CPU time and peak resident memory, read from /proc. <see cref="ResetPeak"/> writes <c>5</c> to
/// <c>/proc/&lt;pid&gt;/clear_refs</c>, which restarts VmHWM from the current RSS, so each scenario gets its own peak.
/// </summary>
internal sealed class ProcessMeter(int processId)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on

    public int ProcessId { get; } = processId;

    /// <summary>User plus system CPU time so far.</summary>
    public TimeSpan CpuTime()
    {
        // /proc/<pid>/stat: "pid (comm) state ..." with utime and stime the 14th and 15th fields; comm may hold spaces.
        var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The peak resident set size since the start or the last <see cref="ResetPeak"/>, in bytes.</summary>
    public long PeakResidentBytes() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>Starts a new peak from the current resident size; false where the kernel does not allow it.</summary>
    public bool ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{ProcessId}/clear_refs", "5");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private long StatusKilobytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
