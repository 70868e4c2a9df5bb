using System.Diagnostics;
using System.Net;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Once headers arrive, no timeout of the handler may touch the response body (media streams, anchors #9).</summary>
public sealed class RetryHandlerStreamingTests
{
    // Generous enough for headers from a local backend on a loaded machine; the body then takes three times as long.
    private static readonly RetryPolicy Policy = RetryClients.Retries(3, RetryCondition.GatewayError) with { PerTryTimeout = TimeSpan.FromMilliseconds(800) };
    private static readonly TimeoutPolicy Timeout = new() { Request = TimeSpan.FromMilliseconds(1000) };

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task DeliversAStreamingBodyWhole_LongAfterTheRequestTimeout(HttpProtocols protocol)
    {
        const int Chunks = 16;
        await using var backend = await LoopbackServer.StartAsync(
            async context =>
            {
                await context.Response.StartAsync(context.RequestAborted);
                for (var i = 0; i < Chunks; i++)
                {
                    await context.Response.Body.WriteAsync(Enumerable.Repeat((byte)i, 1024).ToArray(), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    if (i < Chunks - 1)
                    {
                        // The slow stream is the behaviour under test, not a wait for something: 1.5s of body in all.
                        await Task.Delay(TimeSpan.FromMilliseconds(100), context.RequestAborted);
                    }
                }
            },
            protocol);
        using var client = RetryClients.Create(Policy, Timeout);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address, protocol: protocol);

        var sent = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Chunks * 1024, body.Length);
        Assert.Equal(Enumerable.Range(0, Chunks).SelectMany(i => Enumerable.Repeat((byte)i, 1024)), body);
        Assert.True(Stopwatch.GetElapsedTime(sent) > Timeout.Request, "the body must outlast the request timeout for this test to mean anything");
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task HoldsNoTimer_OnceResponseHeadersArrive(HttpProtocols protocol)
    {
        var time = new ManualTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await LoopbackServer.StartAsync(
            async context =>
            {
                await context.Response.WriteAsync("first,", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
                await context.Response.WriteAsync("rest", context.RequestAborted);
            },
            protocol);
        using var client = RetryClients.Create(Policy, Timeout, time: time);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address, protocol: protocol);

        // The manual clock never moves on its own, so the headers arrive with every timeout still pending.
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(0, time.ArmedTimers);

        // Long past every timeout: anything the handler still held would fire now.
        time.Advance(TimeSpan.FromMinutes(5));
        release.SetResult();
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("first,rest", body);
    }
}
