namespace Lattice.Mesh.Proxy.Gateway;

/// <summary>The gateway's log lines other than its certificates', with stable event ids (6150-6199).</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 6150, Level = LogLevel.Information, Message = "Gateway listening: HTTP {HttpUri} (redirects to HTTPS), HTTPS {HttpsUri}, status {StatusUri}")]
    public static partial void Listening(ILogger logger, Uri httpUri, Uri httpsUri, Uri statusUri);

    [LoggerMessage(EventId = 6151, Level = LogLevel.Information, Message = "Gateway route table {Revision} in force: {HostCount} hosts")]
    public static partial void TableApplied(ILogger logger, string revision, int hostCount);

    [LoggerMessage(EventId = 6152, Level = LogLevel.Error, Message = "Gateway route table refused, {Current}: {Failure}")]
    public static partial void TableRefused(ILogger logger, string failure, string current);

    [LoggerMessage(EventId = 6153, Level = LogLevel.Debug, Message = "TLS handshake refused: no certificate for the server name {ServerName}")]
    public static partial void NoCertificate(ILogger logger, string serverName);
}
