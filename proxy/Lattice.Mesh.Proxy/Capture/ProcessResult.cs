namespace Lattice.Mesh.Proxy.Capture;

/// <summary>How a command ended: its exit code and what it wrote.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The error output (or, when empty, the output) on one line, shortened: for messages.</summary>
    public string Summary
    {
        get
        {
            var text = string.Join(" ", (Error.Trim().Length > 0 ? Error : Output).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            return text.Length switch
            {
                0 => "(no output)",
                > 600 => text[..600] + "...",
                _ => text,
            };
        }
    }
}
