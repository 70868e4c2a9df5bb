using System.Net;
using System.Net.Sockets;
using Lattice.Mesh.Proxy.Forwarding;
using Polly.Timeout;

namespace Lattice.Mesh.Proxy.Tests.Forwarding;

/// <summary>Failures are named by status and by the error kinds .NET reports, never by message text.</summary>
public sealed class RetryClassifierTests
{
    [Theory]
    [InlineData(200, nameof(RetryFailure.None))]
    [InlineData(404, nameof(RetryFailure.None))]
    [InlineData(409, nameof(RetryFailure.Conflict))]
    [InlineData(429, nameof(RetryFailure.None))]
    [InlineData(500, nameof(RetryFailure.ServerError))]
    [InlineData(501, nameof(RetryFailure.ServerError))]
    [InlineData(502, nameof(RetryFailure.GatewayError))]
    [InlineData(503, nameof(RetryFailure.GatewayError))]
    [InlineData(504, nameof(RetryFailure.GatewayError))]
    [InlineData(599, nameof(RetryFailure.ServerError))]
    public void ClassifiesStatus(int status, string expected) =>
        Assert.Equal(expected, RetryClassifier.Classify((HttpStatusCode)status).ToString());

    [Fact]
    public void ClassifiesAConnectionError_AsConnectFailure() =>
        Assert.Equal(RetryFailure.ConnectFailure, RetryClassifier.Classify(new HttpRequestException(HttpRequestError.ConnectionError, "x", new SocketException((int)SocketError.ConnectionRefused))));

    [Fact]
    public void ClassifiesARefusedSocket_AsConnectFailure() =>
        Assert.Equal(RetryFailure.ConnectFailure, RetryClassifier.Classify(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused))));

    [Fact]
    public void ClassifiesTheTransportsConnectTimeout_AsConnectFailure() =>
        Assert.Equal(RetryFailure.ConnectFailure, RetryClassifier.Classify(new TaskCanceledException("x", new TimeoutException())));

    [Fact]
    public void ClassifiesAResponseThatEnded_AsReset() =>
        Assert.Equal(RetryFailure.Reset, RetryClassifier.Classify(new HttpRequestException("x", new HttpIOException(HttpRequestError.ResponseEnded))));

    [Fact]
    public void ClassifiesAResetSocket_AsReset() =>
        Assert.Equal(RetryFailure.Reset, RetryClassifier.Classify(new HttpRequestException("x", new IOException("x", new SocketException((int)SocketError.ConnectionReset)))));

    [Fact]
    public void ClassifiesAPerTryTimeout() =>
        Assert.Equal(RetryFailure.PerTryTimeout, RetryClassifier.Classify(new TimeoutRejectedException()));

    [Fact]
    public void NeverRetries_ACancellationOrAMalformedResponse()
    {
        Assert.Equal(RetryFailure.Other, RetryClassifier.Classify(new TaskCanceledException("x", new SocketException((int)SocketError.ConnectionReset))));
        Assert.Equal(RetryFailure.Other, RetryClassifier.Classify(new HttpRequestException(HttpRequestError.InvalidResponse, "x")));
        Assert.Equal(RetryFailure.Other, RetryClassifier.Classify(new HttpRequestException(HttpRequestError.SecureConnectionError, "x")));
    }
}
