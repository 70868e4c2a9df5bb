using System.Collections.Concurrent;
using System.Net;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Requests with bodies: repeated only when safe, always delivered whole.</summary>
public sealed class RetryHandlerBodyTests
{
    private static readonly RetryPolicy Policy = RetryClients.Retries(3, RetryCondition.GatewayError, RetryCondition.ConnectFailure, RetryCondition.Reset);

    [Fact]
    public async Task SendsPostOnce_WhenTheBackendAnswers503()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await FailingBackendAsync(bodies, failures: int.MaxValue);
        using var client = RetryClients.Create(Policy);
        var body = RetryClients.Body(1000);
        using var request = RetryClients.Request(HttpMethod.Post, backend.Address, new ByteArrayContent(body));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(body, Assert.Single(bodies));
        Assert.Equal("1", RetryClients.Attempts(response));
        Assert.Equal(RetryStop.Unsafe, RetryClients.Report(request).Stop);
    }

    [Theory]
    [InlineData("POST", 1)]
    [InlineData("PATCH", 1)]
    [InlineData("DELETE", 3)]
    [InlineData("PUT", 3)]
    public async Task RepeatsOnlyIdempotentMethods_WhenTheBackendAnswers503(string method, int expectedTries)
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await FailingBackendAsync(bodies, failures: int.MaxValue);
        using var client = RetryClients.Create(Policy);
        using var request = RetryClients.Request(new HttpMethod(method), backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(expectedTries, bodies.Count);
        Assert.Equal(expectedTries == 1 ? RetryStop.Unsafe : RetryStop.AttemptsExhausted, RetryClients.Report(request).Stop);
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task ReplaysThePostBodyIntact_WhenRetryNonIdempotentIsSet(HttpProtocols protocol)
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await FailingBackendAsync(bodies, failures: 2, protocol);
        using var client = RetryClients.Create(Policy, options: RetryClients.Fast with { RetryNonIdempotent = true });
        var body = RetryClients.Body(60 * 1024);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var request = RetryClients.Request(HttpMethod.Post, backend.Address, content, protocol);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", RetryClients.Attempts(response));
        Assert.Equal(3, bodies.Count);
        Assert.All(bodies, received => Assert.Equal(body, received));
        Assert.Same(content, request.Content);
    }

    [Fact]
    public async Task DeliversABodyOver64KiBWhole_WithoutRetrying()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await FailingBackendAsync(bodies, failures: int.MaxValue);
        using var client = RetryClients.Create(Policy);
        var body = RetryClients.Body(100 * 1024);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address, new ByteArrayContent(body));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(body, Assert.Single(bodies));
        Assert.Equal((1, RetryStop.Unsafe), (RetryClients.Report(request).Attempts, RetryClients.Report(request).Stop));
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task ReplaysABodyOfUnknownLength_ThatFitsTheLimit(HttpProtocols protocol)
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await FailingBackendAsync(bodies, failures: 1, protocol);
        using var client = RetryClients.Create(Policy);
        var body = RetryClients.Body(20 * 1024);
        using var request = RetryClients.Request(HttpMethod.Put, backend.Address, new UnknownLengthContent(body), protocol);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, bodies.Count);
        Assert.All(bodies, received => Assert.Equal(body, received));
    }

    [Fact]
    public async Task DeliversABodyOfUnknownLengthOverTheLimitWhole_WithoutRetrying()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await FailingBackendAsync(bodies, failures: int.MaxValue);
        using var client = RetryClients.Create(Policy);
        var body = RetryClients.Body(100 * 1024);
        using var request = RetryClients.Request(HttpMethod.Put, backend.Address, new UnknownLengthContent(body));

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(body, Assert.Single(bodies));
        Assert.Equal(RetryStop.Unsafe, RetryClients.Report(request).Stop);
    }

    /// <summary>A backend that keeps every body it reads and answers 503 to the first <paramref name="failures"/> tries.</summary>
    private static Task<LoopbackServer> FailingBackendAsync(ConcurrentQueue<byte[]> bodies, int failures, HttpProtocols protocol = HttpProtocols.Http1)
    {
        var tries = 0;
        return LoopbackServer.StartAsync(
            async context =>
            {
                bodies.Enqueue(await RetryClients.ReadBodyAsync(context.Request));
                context.Response.StatusCode = Interlocked.Increment(ref tries) <= failures ? 503 : 200;
            },
            protocol);
    }
}
