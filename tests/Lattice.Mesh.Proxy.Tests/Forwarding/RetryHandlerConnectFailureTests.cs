using Lattice.Mesh.Proxy.Forwarding;
using Lattice.Mesh.RouteTable;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>A connection that cannot be made sent nothing, so any request may be tried again.</summary>
public sealed class RetryHandlerConnectFailureTests
{
    [Fact]
    public async Task Throws_AfterThreeTries_WhenTheConnectionIsRefused()
    {
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.ConnectFailure));
        using var request = RetryClients.Request(HttpMethod.Get, RefusedPort.Address());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        var report = RetryClients.Report(request);
        Assert.Equal((3, RetryFailure.ConnectFailure, RetryFailure.ConnectFailure, RetryStop.AttemptsExhausted), (report.Attempts, report.RetriedOn, report.Failure, report.Stop));
    }

    [Fact]
    public async Task TriesOnce_WhenConnectFailureIsNotListed()
    {
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.GatewayError, RetryCondition.Reset));
        using var request = RetryClients.Request(HttpMethod.Get, RefusedPort.Address());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal((1, RetryStop.NotRetriable), (RetryClients.Report(request).Attempts, RetryClients.Report(request).Stop));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100 * 1024)]
    public async Task RetriesPost_WhenTheConnectionIsRefused(int bodyBytes)
    {
        // Non-idempotent, and the large body cannot be replayed after sending: neither matters when nothing was sent.
        using var client = RetryClients.Create(RetryClients.Retries(3, RetryCondition.ConnectFailure, RetryCondition.GatewayError));
        using var request = RetryClients.Request(HttpMethod.Post, RefusedPort.Address(), new ByteArrayContent(RetryClients.Body(bodyBytes)));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal((3, RetryStop.AttemptsExhausted), (RetryClients.Report(request).Attempts, RetryClients.Report(request).Stop));
    }

    [Fact]
    public async Task RetriesPost_WhenTheConnectTimesOut()
    {
        var connects = 0;
        var transport = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromMilliseconds(100),
            ConnectCallback = async (_, cancellationToken) =>
            {
                // A peer that never completes the handshake: hangs until the transport's connect timeout cancels it.
                Interlocked.Increment(ref connects);
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
                throw new InvalidOperationException("unreachable");
            },
        };
        var handler = new RetryHandler(RetryClients.Destination, RetryClients.Retries(3, RetryCondition.ConnectFailure), null, RetryClients.Unlimited(), RetryClients.Fast, TimeProvider.System)
        {
            InnerHandler = transport,
        };
        using var client = new HttpMessageInvoker(handler);
        using var request = RetryClients.Request(HttpMethod.Post, new Uri("http://127.0.0.1:9/"), new StringContent("{}"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal(3, connects);
        var report = RetryClients.Report(request);
        Assert.Equal((3, RetryFailure.ConnectFailure, RetryStop.AttemptsExhausted), (report.Attempts, report.Failure, report.Stop));
    }
}
