namespace Lattice.Mesh.Proxy.Capture;

/// <summary>
/// <c>lattice-proxy capture</c>: the init container's job. Builds the rules (<see cref="CaptureRules"/>), applies
/// them with iptables-restore and prints them. Exit codes: 0 applied or printed, 1 iptables failed (the message
/// names a missing capability), 2 bad flags.
/// </summary>
public static class CaptureCommand
{
    public const int Applied = 0;
    public const int IptablesFailed = 1;
    public const int BadFlags = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (CaptureCommandLine.IsHelp(arguments))
        {
            await output.WriteLineAsync(CaptureCommandLine.Usage);
            return Applied;
        }

        var (request, errors) = CaptureCommandLine.Parse(arguments);
        if (request is null)
        {
            foreach (var problem in errors)
            {
                await error.WriteLineAsync($"lattice-proxy capture: {problem}");
            }

            await error.WriteLineAsync(CaptureCommandLine.Usage);
            return BadFlags;
        }

        if (request.DryRun)
        {
            await output.WriteAsync(CaptureRules.Build(request.Options));
            return Applied;
        }

        var (iptables, report) = await Iptables.FindAsync(request.Backend, cancellationToken);
        if (iptables is null)
        {
            return await FailAsync(error, report);
        }

        var saved = await iptables.SaveNatAsync(cancellationToken);
        if (!saved.Succeeded)
        {
            return await FailAsync(error, $"{Path.GetFileName(iptables.Save)} -t nat failed (exit {saved.ExitCode}): {saved.Summary}");
        }

        var rules = CaptureRules.Build(request.Options, CaptureRules.JumpsInForce(saved.Output));
        var restored = await iptables.RestoreAsync(rules, cancellationToken);
        if (!restored.Succeeded)
        {
            return await FailAsync(error, $"{Path.GetFileName(iptables.Restore)} failed (exit {restored.ExitCode}): {restored.Summary}\nThe rules it was given:\n{rules}");
        }

        await output.WriteLineAsync($"# applied with {Path.GetFileName(iptables.Restore)} --noflush; backend {report}");
        await output.WriteAsync(rules);
        return Applied;
    }

    private static async Task<int> FailAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"lattice-proxy capture: {problem}");
        var fix = Capabilities.MissingForIptables() switch
        {
            { Count: > 0 } missing => $"This process lacks the {string.Join(" and ", missing)} capabilit{(missing.Count == 1 ? "y" : "ies")} that iptables needs: run the init container as root with securityContext.capabilities.add: [NET_ADMIN, NET_RAW], or annotate the pod lattice.dev/capture: proxy-env, which needs no privilege.",
            _ => "Check that this kernel offers the nat table (iptables-nft -t nat -L, iptables-legacy -t nat -L); --backend=nft or --backend=legacy picks one.",
        };
        await error.WriteLineAsync($"lattice-proxy capture: {fix}");
        return IptablesFailed;
    }
}
