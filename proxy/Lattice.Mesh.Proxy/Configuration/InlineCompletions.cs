namespace Lattice.Mesh.Proxy.Configuration;

/// <summary>
/// .NET's socket completions run inline, on the threads that poll the sockets, to go with Kestrel's inline scheduling
/// (<see cref="ProxyOptions.InlineScheduling"/>, <c>GatewayOptions.InlineScheduling</c>). .NET reads the variable once,
/// when the process makes its first socket, and only from the environment, so a process chooses it before it makes
/// one; a value set by hand wins.
/// </summary>
internal static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void PreferUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
