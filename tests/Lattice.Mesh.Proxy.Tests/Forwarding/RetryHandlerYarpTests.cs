using System.Collections.Concurrent;
using System.Net;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Forwarder;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Through YARP's forwarder, whose request content streams the client's body and can be serialised only once:
/// the handler must buffer or record it to send it again.
/// </summary>
public sealed class RetryHandlerYarpTests
{
    private static readonly RetryPolicy Policy = RetryClients.Retries(3, RetryCondition.Reset, RetryCondition.GatewayError);
    private static readonly RetryOptions RetryPosts = RetryClients.Fast with { RetryNonIdempotent = true };

    [Fact]
    public async Task ReplaysAPostBodyThroughYarp_AfterAConnectionReset()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await BackendAsync(bodies, first: context => context.Abort());
        using var invoker = RetryClients.Create(Policy, options: RetryPosts);
        var errors = new ConcurrentQueue<ForwarderError>();
        await using var proxy = await ProxyAsync(backend.Address, invoker, errors);
        var body = RetryClients.Body(2000);

        using var client = new HttpClient();
        using var response = await client.PostAsync(new Uri(proxy.Address, "orders"), new ByteArrayContent(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", RetryClients.Attempts(response));
        Assert.Equal(ForwarderError.None, Assert.Single(errors));
        Assert.Equal(2, bodies.Count);
        Assert.All(bodies, received => Assert.Equal(body, received));
    }

    [Fact]
    public async Task ReplaysAChunkedPostBodyThroughYarp_After503()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await BackendAsync(bodies, first: context => context.Response.StatusCode = 503);
        using var invoker = RetryClients.Create(Policy, options: RetryPosts);
        var errors = new ConcurrentQueue<ForwarderError>();
        await using var proxy = await ProxyAsync(backend.Address, invoker, errors);
        var body = RetryClients.Body(30_000);

        using var client = new HttpClient();
        using var response = await client.PostAsync(new Uri(proxy.Address, "orders"), new UnknownLengthContent(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2", RetryClients.Attempts(response));
        Assert.Equal(2, bodies.Count);
        Assert.All(bodies, received => Assert.Equal(body, received));
    }

    [Fact]
    public async Task DoesNotRepeatAPostThroughYarp_ByDefault()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var backend = await BackendAsync(bodies, first: context => context.Abort());
        using var invoker = RetryClients.Create(Policy);
        var errors = new ConcurrentQueue<ForwarderError>();
        await using var proxy = await ProxyAsync(backend.Address, invoker, errors);

        using var client = new HttpClient();
        using var response = await client.PostAsync(new Uri(proxy.Address, "orders"), new ByteArrayContent(RetryClients.Body(2000)), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(ForwarderError.Request, Assert.Single(errors));
        Assert.Single(bodies);
    }

    /// <summary>A backend that reads every body whole, fails the first try as told, and answers 200 after.</summary>
    private static Task<LoopbackServer> BackendAsync(ConcurrentQueue<byte[]> bodies, Action<HttpContext> first)
    {
        var tries = 0;
        return LoopbackServer.StartAsync(async context =>
        {
            bodies.Enqueue(await RetryClients.ReadBodyAsync(context.Request));
            if (Interlocked.Increment(ref tries) == 1)
            {
                first(context);
            }
        });
    }

    private static Task<LoopbackServer> ProxyAsync(Uri backend, HttpMessageInvoker invoker, ConcurrentQueue<ForwarderError> errors) =>
        LoopbackServer.StartAsync(
            builder => builder.Services.AddHttpForwarder(),
            app => app.Run(async context =>
            {
                var forwarder = context.RequestServices.GetRequiredService<IHttpForwarder>();
                errors.Enqueue(await forwarder.SendAsync(context, backend.ToString(), invoker));
            }));
}
