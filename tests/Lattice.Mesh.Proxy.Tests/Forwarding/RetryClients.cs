using System.Net;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Policies, handlers and requests as the tests use them.</summary>
internal static class RetryClients
{
    public const string Destination = "media/nzbget";

    /// <summary>Backoffs short enough to keep the tests fast.</summary>
    public static RetryOptions Fast { get; } = new() { KeepReports = true, BaseBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5) };

    /// <summary>A budget that never refuses, for tests about something else.</summary>
    public static RetryBudget Unlimited() => new(TimeProvider.System, retryRatio: 100, minRetriesPerSecond: 10_000);

    public static RetryPolicy Retries(int attempts, params RetryCondition[] on) => new() { Attempts = attempts, RetryOn = [.. on] };

    public static HttpMessageInvoker Create(RetryPolicy? retries, TimeoutPolicy? timeout = null, RetryOptions? options = null, RetryBudget? budget = null, TimeProvider? time = null) =>
        new(new RetryHandler(Destination, retries, timeout, budget ?? Unlimited(), (options ?? Fast) with { KeepReports = true }, time ?? TimeProvider.System) { InnerHandler = new SocketsHttpHandler() });

    public static HttpRequestMessage Request(HttpMethod method, Uri address, HttpContent? content = null, HttpProtocols protocol = HttpProtocols.Http1) => new(method, address)
    {
        Content = content,
        Version = protocol == HttpProtocols.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public static RetryReport Report(HttpRequestMessage request) =>
        RetryReport.TryGet(request, out var report) ? report : throw new InvalidOperationException("the handler left no report on the request");

    public static string Attempts(HttpResponseMessage response) =>
        response.Headers.TryGetValues(RetryHandler.AttemptsHeader, out var values) ? string.Join(",", values) : "(none)";

    public static byte[] Body(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    public static async Task<byte[]> ReadBodyAsync(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }
}
