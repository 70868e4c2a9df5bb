namespace Lattice.Mesh.Proxy.Admin;

/// <summary>The admin listener's log lines, with stable event ids (5001-5099).</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "App probes served on the admin listener: {Paths}")]
    public static partial void AppProbesLoaded(ILogger logger, string paths);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "LATTICE_APP_PROBES refused, so every /app-health/ probe fails (503) until it is fixed: {Problem}")]
    public static partial void AppProbesInvalid(ILogger logger, string problem);
}
