using System.Net;
using System.Net.Sockets;
using Polly.Timeout;

namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// Names what went wrong with a try, by status code and by the error kinds .NET reports (<see cref="HttpRequestError"/>,
/// <see cref="SocketError"/>), never by message text.
/// </summary>
internal static class RetryClassifier
{
    public static RetryFailure Classify(HttpResponseMessage response) => Classify(response.StatusCode);

    public static RetryFailure Classify(HttpStatusCode status) => (int)status switch
    {
        409 => RetryFailure.Conflict,
        502 or 503 or 504 => RetryFailure.GatewayError,
        >= 500 and <= 599 => RetryFailure.ServerError,
        _ => RetryFailure.None,
    };

    /// <summary>
    /// Classifies an exception from a try. Connect failures are the errors raised before anything was written:
    /// connection and name-resolution errors, a refused socket, or the transport's connect timeout. Resets are the connection or stream ending before
    /// the response headers: a premature end of response, an HTTP/2 stream reset, or a reset or aborted socket.
    /// </summary>
    public static RetryFailure Classify(Exception exception)
    {
        if (exception is TimeoutRejectedException)
        {
            // Only the per-try timeout's rejection reaches the retry decision; the request timeout's wraps everything.
            return RetryFailure.PerTryTimeout;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case OperationCanceledException { InnerException: TimeoutException }:
                    // SocketsHttpHandler's ConnectTimeout: the connection was never made. (Timeouts of this handler
                    // arrive as TimeoutRejectedException, and the caller's cancellation carries no TimeoutException.)
                    return RetryFailure.ConnectFailure;
                case OperationCanceledException:
                    return RetryFailure.Other;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }:
                    return RetryFailure.ConnectFailure;
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError }:
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError }:
                    return RetryFailure.Reset;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound }:
                    return RetryFailure.ConnectFailure;
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown }:
                    return RetryFailure.Reset;
            }
        }

        return RetryFailure.Other;
    }
}
