namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>The gateway certificate log lines, with stable event ids (6101-6149). None carries key material or a PEM.</summary>
internal static partial class GatewayCertificateLog
{
    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Gateway certificate from Secret {Secret} in force for {Hosts}: serial {SerialNumber}, expires {NotAfter:u}")]
    public static partial void Loaded(ILogger logger, string secret, IReadOnlyList<string> hosts, string serialNumber, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Warning, Message = "Gateway certificate from Secret {Secret} refused, {Current}: {Failure}")]
    public static partial void Refused(ILogger logger, string secret, string failure, string current);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Gateway Secret {Secret} is gone; its hosts {Hosts} no longer have a certificate")]
    public static partial void Removed(ILogger logger, string secret, IReadOnlyList<string> hosts);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Host {Host} is named by the certificates of Secrets {Secrets}; {Chosen} serves it (first by name). Name each host in one Secret only")]
    public static partial void HostClaimedTwice(ILogger logger, string host, string secrets, string chosen);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "Watching {Folder} for gateway certificate changes failed ({Reason}); polling every {PollInterval} covers it")]
    public static partial void WatchUnavailable(ILogger logger, string folder, string reason, TimeSpan pollInterval);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Error, Message = "The gateway certificate folder {Folder} cannot be listed ({Reason}); the certificates in force stay")]
    public static partial void FolderUnreadable(ILogger logger, string folder, string reason);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Error, Message = "A gateway certificate change listener failed")]
    public static partial void ListenerFailed(ILogger logger, Exception exception);
}
