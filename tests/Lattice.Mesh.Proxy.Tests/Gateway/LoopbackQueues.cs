using System.Globalization;

namespace Lattice.Mesh.Proxy.Tests.Gateway;

/// <summary>
/// What the kernel holds for TCP connections on this machine, from <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c>
/// (IPv4 through dual-mode sockets shows in the second): for each end of a connection, the bytes written and not
/// yet taken by the peer (tx_queue) and the bytes received and not yet read (rx_queue).
/// </summary>
internal static class LoopbackQueues
{
    private const string Established = "01";

    /// <summary>
    /// The bytes queued in the kernel, both ends and both directions, on every established connection to one of
    /// <paramref name="listeningPorts"/>: data in flight that no process holds.
    /// </summary>
    public static long QueuedTo(IReadOnlyCollection<int> listeningPorts)
    {
        long total = 0;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1).Concat(File.ReadLines("/proc/net/tcp6").Skip(1)))
        {
            // sl local_address rem_address st tx_queue:rx_queue ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields[3] != Established || !(listeningPorts.Contains(Port(fields[1])) || listeningPorts.Contains(Port(fields[2]))))
            {
                continue;
            }

            var queues = fields[4].Split(':');
            total += long.Parse(queues[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) + long.Parse(queues[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return total;
    }

    private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
