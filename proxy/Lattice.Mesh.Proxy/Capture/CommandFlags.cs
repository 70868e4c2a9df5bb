namespace Lattice.Mesh.Proxy.Capture;

/// <summary>
/// The flags of a subcommand (<c>capture</c>, <c>wait</c>): <c>--name=value</c> or <c>--name value</c> for the
/// valued ones, <c>--name</c> alone for switches. Every problem is collected, each naming the flag and the fix.
/// </summary>
internal sealed class CommandFlags
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);

    private CommandFlags()
    {
    }

    public List<string> Errors { get; } = [];

    public static CommandFlags Parse(IReadOnlyList<string> arguments, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> switches)
    {
        var flags = new CommandFlags();
        var known = string.Join(", ", valued.Select(v => $"--{v}=").Concat(switches.Select(s => $"--{s}")));
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                flags.Errors.Add($"'{argument}' is not a flag; flags look like --name=value (known: {known})");
                continue;
            }

            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? argument[2..] : argument[2..equals];
            if (switches.Contains(name))
            {
                if (equals >= 0)
                {
                    flags.Errors.Add($"--{name} is a switch and takes no value; write --{name} alone");
                }
                else if (!flags._switches.Add(name))
                {
                    flags.Errors.Add($"--{name} is given twice; give it once");
                }

                continue;
            }

            if (!valued.Contains(name))
            {
                flags.Errors.Add($"--{name} is not a flag of this command (known: {known})");
                continue;
            }

            string value;
            if (equals >= 0)
            {
                value = argument[(equals + 1)..];
            }
            else if (i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = arguments[++i];
            }
            else
            {
                flags.Errors.Add($"--{name} needs a value: --{name}=<value>");
                continue;
            }

            if (!flags._values.TryAdd(name, value))
            {
                flags.Errors.Add($"--{name} is given twice ('{flags._values[name]}' and '{value}'); give it once");
            }
        }

        return flags;
    }

    public bool Has(string @switch) => _switches.Contains(@switch);

    public string? Value(string name) => _values.GetValueOrDefault(name);
}
