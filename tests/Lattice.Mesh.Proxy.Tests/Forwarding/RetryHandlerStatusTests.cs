using System.Net;
using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Lattice.Mesh.Proxy.Tests.Support;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Which responses are retried, how often, and what the caller is told.</summary>
public sealed class RetryHandlerStatusTests
{
    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task Returns200_AfterTwo503s(HttpProtocols protocol)
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(
            context =>
            {
                context.Response.StatusCode = Interlocked.Increment(ref tries) <= 2 ? 503 : 200;
                return Task.CompletedTask;
            },
            protocol);
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.GatewayError));
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address, protocol: protocol);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", RetryClients.Attempts(response));
        Assert.Equal(3, tries);
        var report = RetryClients.Report(request);
        Assert.Equal((3, RetryFailure.GatewayError, RetryFailure.None, RetryStop.Succeeded), (report.Attempts, report.RetriedOn, report.Failure, report.Stop));
    }

    [Fact]
    public async Task Returns503_AfterThreeTries_WhenTheBackendAlwaysAnswers503()
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.GatewayError));
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(3, tries);
        Assert.Equal("3", RetryClients.Attempts(response));
        var report = RetryClients.Report(request);
        Assert.Equal((RetryFailure.GatewayError, RetryStop.AttemptsExhausted), (report.Failure, report.Stop));
    }

    [Fact]
    public async Task TriesOnce_WhenTheDestinationHasNoRetryPolicy()
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        using var client = RetryClients.Create(retries: null);
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, tries);
        Assert.Equal("1", RetryClients.Attempts(response));
    }

    [Theory]
    [InlineData(true, HttpStatusCode.OK, 2)]
    [InlineData(false, HttpStatusCode.Conflict, 1)]
    public async Task Retries409_OnlyWhenRetriable4xxIsListed(bool listed, HttpStatusCode expected, int expectedTries)
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref tries) == 1 ? 409 : 200;
            return Task.CompletedTask;
        });
        RetryCondition[] on = listed ? [RetryCondition.ServerError, RetryCondition.Retriable4xx] : [RetryCondition.ServerError];
        using var client = RetryClients.Create(RetryClients.Retries(3, on));
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expectedTries, tries);
        Assert.Equal(expectedTries.ToString(System.Globalization.CultureInfo.InvariantCulture), RetryClients.Attempts(response));
    }

    [Theory]
    [InlineData(RetryCondition.GatewayError, 1)]
    [InlineData(RetryCondition.ServerError, 3)]
    public async Task Retries500_OnlyUnder5xx_NotUnderGatewayError(RetryCondition condition, int expectedTries)
    {
        var tries = 0;
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref tries);
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        using var client = RetryClients.Create(RetryClients.Retries(3, condition));
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(expectedTries, tries);
        Assert.Equal(RetryFailure.ServerError, RetryClients.Report(request).Failure);
        Assert.Equal(condition == RetryCondition.GatewayError ? RetryStop.NotRetriable : RetryStop.AttemptsExhausted, RetryClients.Report(request).Stop);
    }

    [Fact]
    public async Task ReplacesAnAttemptsHeaderFromUpstream_WithItsOwnCount()
    {
        await using var backend = await LoopbackServer.StartAsync(context =>
        {
            context.Response.Headers[RetryHandler.AttemptsHeader] = "7";
            return Task.CompletedTask;
        });
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.GatewayError));
        using var request = RetryClients.Request(HttpMethod.Get, backend.Address);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1", RetryClients.Attempts(response));
        Assert.Equal((1, RetryStop.Succeeded), (RetryClients.Report(request).Attempts, RetryClients.Report(request).Stop));
    }
}
