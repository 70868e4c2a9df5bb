
namespace Lattice.Mesh.Proxy.Telemetry;

/// <summary>Every log line the sidecar writes, with stable event ids. None carries a body, a header value or a key.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Route table {Revision} in force (from {Origin}): {Outbound} destinations, {Inbound} callers")]
    public static partial void RouteTableApplied(ILogger logger, string revision, string origin, int outbound, int inbound);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Route table from {Origin} refused ({Count} errors), {Current} stays in force: {Errors}")]
    public static partial void RouteTableRejected(ILogger logger, string origin, int count, string errors, string current);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Route table file {Path} could not be read: {Reason}")]
    public static partial void RouteTableUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Cannot watch {Folder} for route table changes ({Problem}); polling covers it")]
    public static partial void WatchProblem(ILogger logger, string folder, string problem);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Controller {Controller} unreachable ({Reason}); {Revision} stays in force, reconnecting")]
    public static partial void ControllerUnreachable(ILogger logger, string controller, string reason, string revision);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "{Direction} {Method} {Path} {Source} -> {Destination}: {Code} {Decision} in {Milliseconds:0.0} ms")]
    public static partial void Access(ILogger logger, string direction, string method, string path, string source, string destination, int code, string decision, double milliseconds);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Sidecar for {Service} listening: outbound {Outbound}, inbound {Inbound}, admin {Admin}")]
    public static partial void Listening(ILogger logger, string service, string outbound, string inbound, string admin);
}
