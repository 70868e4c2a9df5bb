namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// Typed values from <c>lattice-proxy</c>'s command line (and its environment variables). A value that is not of its
/// type becomes an error naming the flag, the value given and the form it needs, collected so that every bad flag is
/// reported at once, instead of the configuration binder's exception and stack trace.
/// </summary>
internal sealed class CommandLineValues(IConfiguration configuration)
{
    private readonly List<string> _errors = [];

    /// <summary>Writes each error as a line of <paramref name="program"/>'s; true when there was one (the program then exits with 2).</summary>
    public async Task<bool> ReportAsync(TextWriter error, string program)
    {
        foreach (var problem in _errors)
        {
            await error.WriteLineAsync($"{program}: {problem}");
        }

        return _errors.Count > 0;
    }

    /// <summary><paramref name="key"/> as a port (0 to 65535), or <paramref name="fallback"/> when it is not given.</summary>
    public int Port(string key, int fallback) =>
        Read(key, fallback, text => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535 ? port : null, "a port, 0 to 65535 (0 lets the system choose)");

    /// <summary><paramref name="key"/> as true or false, or <paramref name="fallback"/> when it is not given.</summary>
    public bool Switch(string key, bool fallback) =>
        Read(key, fallback, text => bool.TryParse(text, out var value) ? value : null, "true or false");

    /// <summary><paramref name="key"/> as a whole number above 0, or <paramref name="fallback"/> when it is not given.</summary>
    public int Count(string key, int fallback) =>
        Read(key, fallback, text => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count) && count > 0 ? count : null, "a whole number above 0");

    private T Read<T>(string key, T fallback, Func<string, T?> parse, string form)
        where T : struct
    {
        if (configuration[key] is not { } text)
        {
            return fallback;
        }

        if (parse(text.Trim()) is { } value)
        {
            return value;
        }

        _errors.Add($"--{key}={text} is not {form}; give {form}, or leave it out for {Format(fallback)}.");
        return fallback;
    }

    private static string Format<T>(T value) => value switch
    {
        bool flag => flag ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
