namespace Lattice.Mesh.Proxy.Security;

/// <summary>The security log lines, with stable event ids (4001-4099). None carries key material or a PEM.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Mesh certificate in force: {SpiffeId}, serial {SerialNumber}, expires {NotAfter:u}; trust bundle of {TrustedCount} CAs")]
    public static partial void CertificateLoaded(ILogger logger, string spiffeId, string serialNumber, DateTimeOffset notAfter, int trustedCount);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Mesh certificate files refused, {Current} stays in force: {Failure}")]
    public static partial void CertificateRejected(ILogger logger, string failure, string current);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "No mesh certificate yet, so mutual TLS refuses every peer: {Failure}")]
    public static partial void NoCertificate(ILogger logger, string failure);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Watching {Folder} for certificate changes failed ({Reason}); polling every {PollInterval} covers it")]
    public static partial void WatchUnavailable(ILogger logger, string folder, string reason, TimeSpan pollInterval);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "A mesh certificate change listener failed")]
    public static partial void ListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Mutual TLS refused a {Role}: {Failure}")]
    public static partial void PeerRejected(ILogger logger, string role, string failure);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Mutual TLS refused a {Role} that presented no certificate (expected {Expected})")]
    public static partial void PeerWithoutCertificate(ILogger logger, string role, string expected);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Workload certificate issued by the controller: {SpiffeId}, serial {SerialNumber}, expires {NotAfter:u}, renewing at {RenewAt:u}")]
    public static partial void CertificateIssued(ILogger logger, string spiffeId, string serialNumber, DateTimeOffset notAfter, DateTimeOffset renewAt);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Certificate request to {Controller} failed ({Reason}); {Current} stays in force, retrying")]
    public static partial void CertificateRequestFailed(ILogger logger, string controller, string reason, string current);
}
