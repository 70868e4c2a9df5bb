namespace Lattice.Mesh.Proxy.Telemetry;

/// <summary>The values of the <c>decision</c> label: what policy did with a request.</summary>
internal static class Decisions
{
    public const string Allowed = "allowed";
    public const string Denied = "denied";
    public const string RateLimited = "rate_limited";
    public const string Timeout = "timeout";
    public const string Retried = "retried";
    public const string UpstreamError = "upstream_error";
}
