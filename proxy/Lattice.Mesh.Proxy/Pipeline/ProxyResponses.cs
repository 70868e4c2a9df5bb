using System.Globalization;
using System.Text.Json;

namespace Lattice.Mesh.Proxy.Pipeline;

/// <summary>
/// The responses the sidecar itself writes. A deny names what is missing, in a header a person can read in
/// curl -v and a small JSON body a program can parse (istio#39802: "which policy denied me?").
/// </summary>
internal static class ProxyResponses
{
    public const string DenyReasonHeader = "x-lattice-deny-reason";

    public static Task DenyAsync(HttpContext context, string reason, string? fix) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, "denied", reason, fix, DenyReasonHeader);

    public static Task WriteAsync(HttpContext context, int status, string error, string reason, string? fix, string? reasonHeader = null)
    {
        context.Response.StatusCode = status;
        if (reasonHeader is not null)
        {
            context.Response.Headers[reasonHeader] = reason;
        }

        context.Response.ContentType = "application/json";
        var body = new ProxyError(error, reason, fix);
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ProxyJsonContext.Default.ProxyError, context.RequestAborted);
    }

    public static Task RateLimitedAsync(HttpContext context, string reason, int limit, int remaining, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var headers = context.Response.Headers;
        headers.RetryAfter = seconds;
        headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = seconds;
        return WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited", reason, $"retry after {seconds}s, or raise the callee's inbound rateLimit");
    }
}
