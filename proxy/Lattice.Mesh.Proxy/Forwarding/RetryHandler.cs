// Forwarding: what happens to a request on its way from the sidecar to a chosen upstream — retries, timeouts and the
// retry budget — as a handler in the destination's HttpMessageInvoker chain; routing and policy live elsewhere.
using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Lattice.Mesh.RouteTable;
using Microsoft.Extensions.ObjectPool;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Lattice.Mesh.Proxy.Forwarding;

/// <summary>
/// Outbound resilience for one destination and one version of its policy, with Istio's and Linkerd's semantics, safe by
/// default: up to <see cref="RetryPolicy.Attempts"/> tries on the listed <see cref="RetryCondition"/>s, exponential
/// backoff with jitter, a per-try timeout, a request timeout that ends in a 504 of our own, and a
/// <see cref="RetryBudget"/> shared by every handler of the destination.
/// </summary>
/// <remarks>
/// <para>
/// A try is repeated only when that is safe: an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or
/// <see cref="RetryOptions.RetryNonIdempotent"/>, and a body that can be sent again. Any request, whatever its method
/// or body, is repeated after a connect failure, because nothing was sent.
/// </para>
/// <para>
/// Timeouts apply until response headers arrive and never after: once <see cref="SendAsync"/> returns, no timer of
/// this handler can cancel the response body (the Polly timeouts release their token sources when a try returns),
/// so a long stream is limited only by the idle timeout, which is enforced elsewhere.
/// </para>
/// <para>
/// Every response carries <c>x-lattice-attempts</c>. With <see cref="RetryOptions.KeepReports"/> every request, answered
/// or failed, also carries a <see cref="RetryReport"/> in its options; the sidecar leaves that off, so a request
/// that is answered at once allocates nothing here beyond what Polly's pipeline does (its per-request state is
/// pooled). The inner handler belongs to whoever owns this chain (YARP's invoker): this handler never disposes it on
/// any request path, only the responses of tries it abandons.
/// </para>
/// </remarks>
internal sealed class RetryHandler : DelegatingHandler
{
    public const string AttemptsHeader = "x-lattice-attempts";
    public const string TimeoutHeader = "x-lattice-timeout";

    /// <summary>Polly's bounds for a timeout; route tables only promise "more than zero".</summary>
    private static readonly TimeSpan ShortestTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestTimeout = TimeSpan.FromDays(1);
    internal static readonly ResiliencePropertyKey<Exchange> ExchangeKey = new("Lattice.Mesh.Forwarding.Exchange");
    private static readonly string[] AttemptValues = [.. Enumerable.Range(0, 11).Select(n => n.ToString(CultureInfo.InvariantCulture))];
    private static readonly byte[] GenericTimeoutBody = """{"error":"timeout","reason":"the destination did not answer in time"}"""u8.ToArray();

    private readonly int _attempts;
    private readonly bool _onServerError;
    private readonly bool _onGatewayError;
    private readonly bool _onConnectFailure;
    private readonly bool _onReset;
    private readonly bool _onConflict;
    private readonly bool _retriesAfterSend;
    private readonly RetryBudget _budget;
    private readonly RetryOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage>? _pipeline;
    private readonly DefaultObjectPool<Exchange> _exchanges = new(new DefaultPooledObjectPolicy<Exchange>(), Environment.ProcessorCount * 4);
    private readonly byte[][] _requestTimeoutBodies = [];
    private readonly byte[][] _perTryTimeoutBodies = [];

    /// <param name="destination">The destination's name, <c>namespace/name</c>, for the timeout's explanation.</param>
    /// <param name="retries">The destination's retry policy; none means one try.</param>
    /// <param name="timeout">The destination's timeouts; only <see cref="TimeoutPolicy.Request"/> is applied here.</param>
    /// <param name="budget">The destination's budget, shared by all its handlers.</param>
    /// <param name="options">How to apply the policy.</param>
    /// <param name="time">The clock for backoffs and timeouts.</param>
    public RetryHandler(string destination, RetryPolicy? retries, TimeoutPolicy? timeout, RetryBudget budget, RetryOptions options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxBufferedBodyBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BaseBackoff, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBackoff, options.BaseBackoff);

        _budget = budget;
        _options = options;
        _attempts = Math.Clamp(retries?.Attempts ?? 1, 1, AttemptValues.Length - 1);
        if (retries is not null && !retries.RetryOn.IsDefault)
        {
            // Conditions this build does not know cannot pass validation; were one to arrive, it retries nothing.
            _onServerError = retries.RetryOn.Contains(RetryCondition.ServerError);
            _onGatewayError = retries.RetryOn.Contains(RetryCondition.GatewayError);
            _onConnectFailure = retries.RetryOn.Contains(RetryCondition.ConnectFailure);
            _onReset = retries.RetryOn.Contains(RetryCondition.Reset);
            _onConflict = retries.RetryOn.Contains(RetryCondition.Retriable4xx);
        }

        _retriesAfterSend = _attempts > 1 && (_onServerError || _onGatewayError || _onReset || _onConflict);

        var requestTimeout = timeout?.Request is { } request ? Clamp(request) : (TimeSpan?)null;
        var perTryTimeout = retries?.PerTryTimeout is { } perTry ? Clamp(perTry) : (TimeSpan?)null;

        if (perTryTimeout >= requestTimeout)
        {
            // The request timeout would always fire first.
            perTryTimeout = null;
        }

        if (requestTimeout is null && perTryTimeout is null && _attempts == 1)
        {
            return;
        }

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (requestTimeout is { } whole)
        {
            builder.AddTimeout(new TimeoutStrategyOptions
            {
                Name = "request-timeout",
                Timeout = whole,
                OnTimeout = static args =>
                {
                    args.Context.Properties.GetValue(ExchangeKey, null!).RequestTimedOut = true;
                    return default;
                },
            });
            _requestTimeoutBodies = TimeoutBodies(_attempts, n => $"{destination} did not answer within {GoDuration.Format(whole)} ({Tries(n)})");
        }

        if (_attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "retry",
                MaxRetryAttempts = _attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseBackoff,
                MaxDelay = options.MaxBackoff,
                ShouldHandle = ShouldRetryAsync,
            });
        }

        if (perTryTimeout is { } each)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Name = "per-try-timeout", Timeout = each });
            _perTryTimeoutBodies = TimeoutBodies(_attempts, n => $"{destination} did not answer within the per-try timeout of {GoDuration.Format(each)} ({Tries(n)})");
        }

        _pipeline = builder.Build();
    }

    /// <summary>Builds the handler for one route-table destination, in front of the transport's handler.</summary>
    public static RetryHandler Create(OutboundDestination destination, HttpMessageHandler inner, RetryBudget budget, RetryOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(inner);
        return new RetryHandler(destination.Service, destination.Retries, destination.Timeout, budget, options ?? RetryOptions.Default, time ?? TimeProvider.System)
        {
            InnerHandler = inner,
        };
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _budget.RecordRequest();
        RetryReport? report = null;
        if (_options.KeepReports)
        {
            report = new RetryReport();
            request.Options.Set(RetryReport.OptionsKey, report);
        }

        if (_pipeline is null)
        {
            return await SendOnceAsync(request, report, cancellationToken).ConfigureAwait(false);
        }

        var exchange = _exchanges.Get();
        exchange.Begin(this, request, report, RepeatableAfterSend(request.Method), cancellationToken);
        try
        {
            var original = request.Content;
            if (original is not null && _attempts > 1)
            {
                try
                {
                    exchange.Body = await ReplayableBody.CreateAsync(original, exchange.RepeatableAfterSend ? _options.MaxBufferedBodyBytes : 0, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // The client's body could not be read: no try was made, and nothing here can repair it.
                    exchange.Publish(RetryFailure.Other, cancellationToken.IsCancellationRequested ? RetryStop.Canceled : RetryStop.NotRetriable);
                    throw;
                }
            }

            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            context.Properties.Set(ExchangeKey, exchange);
            Outcome<HttpResponseMessage> outcome;
            try
            {
                outcome = await _pipeline.ExecuteOutcomeAsync(SendTryAsync, context, exchange).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
                if (exchange.Body is not null)
                {
                    // The request leaves as it came: the tries' contents were ours.
                    request.Content = original;
                }
            }

            return Finish(exchange, outcome, cancellationToken);
        }
        finally
        {
            // Nothing holds the exchange now: the pipeline has returned, and with it every try it started.
            exchange.End();
            _exchanges.Return(exchange);
        }
    }

    private static ValueTask<Outcome<HttpResponseMessage>> SendTryAsync(ResilienceContext context, Exchange exchange)
    {
        exchange.RetryPending = false;
        if (context.CancellationToken.IsCancellationRequested)
        {
            // The deadline passed between the backoff and this try: it never starts.
            return ValueTask.FromResult(Outcome.FromException<HttpResponseMessage>(new OperationCanceledException(context.CancellationToken)));
        }

        exchange.Attempts++;
        if (exchange.Body is { } body)
        {
            exchange.Request.Content = body.NextContent();
        }

        return exchange.Handler.SendTryCoreAsync(exchange.Request, context.CancellationToken);
    }

    private async ValueTask<Outcome<HttpResponseMessage>> SendTryCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return Outcome.FromResult(await base.SendAsync(request, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception)
        {
            // Becomes the try's outcome: classified, retried or rethrown with its stack trace.
            return Outcome.FromException<HttpResponseMessage>(exception);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, RetryReport? report, CancellationToken cancellationToken)
    {
        report?.Attempts = 1;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (report is not null)
        {
            report.Failure = cancellationToken.IsCancellationRequested ? RetryFailure.Other : RetryClassifier.Classify(exception);
            report.Stop = cancellationToken.IsCancellationRequested ? RetryStop.Canceled : StopWithoutDecision(report.Failure);
            throw;
        }

        if (report is not null)
        {
            report.Failure = Failure(response);
            report.Stop = StopWithoutDecision(report.Failure);
        }

        SetAttempts(response, 1);
        return response;
    }

    /// <summary>One request's state across its tries, kept in the resilience context under <see cref="ExchangeKey"/>.</summary>
    internal Exchange NewExchange(HttpRequestMessage request, RetryReport? report, CancellationToken cancellationToken)
    {
        var exchange = new Exchange();
        exchange.Begin(this, request, report, RepeatableAfterSend(request.Method), cancellationToken);
        return exchange;
    }

    /// <summary>The retry decision, run by the retry strategy after every try: classify its outcome, then retry or say why not.</summary>
    internal ValueTask<bool> ShouldRetryAsync(RetryPredicateArguments<HttpResponseMessage> args)
    {
        var exchange = args.Context.Properties.GetValue(ExchangeKey, null!);
        var failure = args.Outcome.Exception is { } exception ? RetryClassifier.Classify(exception) : Failure(args.Outcome.Result!);
        var stop = Decide(exchange, failure, args.AttemptNumber, args.Context.CancellationToken);
        exchange.Stop = stop;
        if (stop is not null)
        {
            return new ValueTask<bool>(false);
        }

        exchange.RetryPending = true;
        exchange.RetriedOn = failure;
        return new ValueTask<bool>(true);
    }

    /// <summary>Null to retry; otherwise why not.</summary>
    private RetryStop? Decide(Exchange exchange, RetryFailure failure, int attemptNumber, CancellationToken cancellationToken)
    {
        if (failure == RetryFailure.None)
        {
            return RetryStop.Succeeded;
        }

        if (!IsListed(failure))
        {
            return RetryStop.NotRetriable;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // The request's deadline, unless the caller went away. A per-try timeout that fires with the deadline reaches
            // here as itself, not as a cancellation, so the request timeout's own callback never sees it.
            exchange.RequestTimedOut |= !exchange.CallerToken.IsCancellationRequested;
            return RetryStop.RequestTimeout;
        }

        if (attemptNumber + 1 >= _attempts)
        {
            return RetryStop.AttemptsExhausted;
        }

        // A connect failure sent nothing, so repeating it is safe for any method and any body not yet sent.
        if (failure != RetryFailure.ConnectFailure && !exchange.RepeatableAfterSend)
        {
            return RetryStop.Unsafe;
        }

        if (exchange.Body is { CanReplay: false })
        {
            return RetryStop.Unsafe;
        }

        // Last, so that only retries about to happen spend the budget.
        return _budget.TryWithdraw() ? null : RetryStop.BudgetExhausted;
    }

    private HttpResponseMessage Finish(Exchange exchange, Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Exception is { } exception)
        {
            // A retry decided but never started means the deadline cut it short (or the caller left, handled below).
            if (exchange.RequestTimedOut || (exchange.RetryPending && !cancellationToken.IsCancellationRequested))
            {
                exchange.Publish(RetryFailure.RequestTimeout, RetryStop.RequestTimeout);
                return TimeoutResponse(exchange.Request, exchange.Attempts, _requestTimeoutBodies, "request");
            }

            if (cancellationToken.IsCancellationRequested)
            {
                exchange.Publish(RetryFailure.Other, RetryStop.Canceled);
            }
            else
            {
                var failure = RetryClassifier.Classify(exception);
                exchange.Publish(failure, exchange.Stop ?? StopWithoutDecision(failure));
                if (exception is TimeoutRejectedException)
                {
                    return TimeoutResponse(exchange.Request, exchange.Attempts, _perTryTimeoutBodies, "per-try");
                }
            }

            outcome.ThrowIfException();
        }

        var response = outcome.Result!;
        if (exchange.Report is not null)
        {
            var failure = Failure(response);
            exchange.Publish(failure, exchange.RetryPending || exchange.Stop == RetryStop.RequestTimeout
                ? cancellationToken.IsCancellationRequested ? RetryStop.Canceled : RetryStop.RequestTimeout
                : exchange.Stop ?? StopWithoutDecision(failure));
        }

        SetAttempts(response, exchange.Attempts);
        return response;
    }

    /// <summary>Why the handler stopped when no retry decision was taken (one try allowed, or none needed).</summary>
    private RetryStop StopWithoutDecision(RetryFailure failure) => failure switch
    {
        RetryFailure.None => RetryStop.Succeeded,
        _ when IsListed(failure) => RetryStop.AttemptsExhausted,
        _ => RetryStop.NotRetriable,
    };

    /// <summary>A response's failure kind; 409 is a failure only where the policy declares it transient.</summary>
    private RetryFailure Failure(HttpResponseMessage response)
    {
        var failure = RetryClassifier.Classify(response);
        return failure == RetryFailure.Conflict && !_onConflict ? RetryFailure.None : failure;
    }

    private bool IsListed(RetryFailure failure) => failure switch
    {
        RetryFailure.ServerError => _onServerError,
        RetryFailure.GatewayError => _onServerError || _onGatewayError,
        RetryFailure.Conflict => _onConflict,
        RetryFailure.ConnectFailure => _onConnectFailure,
        RetryFailure.Reset => _onReset,

        // A timed-out try is Envoy's 504 "upstream request timeout", and a read timeout is one of its resets.
        RetryFailure.PerTryTimeout => _onServerError || _onGatewayError || _onReset,
        _ => false,
    };

    private bool RepeatableAfterSend(HttpMethod method) =>
        _retriesAfterSend && (_options.RetryNonIdempotent || IsIdempotent(method));

    private static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options
        || method == HttpMethod.Trace || method == HttpMethod.Put || method == HttpMethod.Delete;

    private static HttpResponseMessage TimeoutResponse(HttpRequestMessage request, int attempts, byte[][] bodies, string kind)
    {
        var content = new ByteArrayContent(bodies.Length == 0 ? GenericTimeoutBody : bodies[Math.Clamp(attempts, 0, bodies.Length - 1)]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
        var response = new HttpResponseMessage(HttpStatusCode.GatewayTimeout) { Content = content, RequestMessage = request };
        response.Headers.TryAddWithoutValidation(TimeoutHeader, kind);
        SetAttempts(response, attempts);
        return response;
    }

    private static void SetAttempts(HttpResponseMessage response, int attempts)
    {
        // Replaces any value from further along the chain: the header describes this hop.
        response.Headers.Remove(AttemptsHeader);
        response.Headers.TryAddWithoutValidation(AttemptsHeader, attempts < AttemptValues.Length ? AttemptValues[attempts] : attempts.ToString(CultureInfo.InvariantCulture));
    }

    private static byte[][] TimeoutBodies(int attempts, Func<int, string> reason)
    {
        var bodies = new byte[attempts + 1][];
        for (var n = 0; n <= attempts; n++)
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("error", "timeout");
                writer.WriteString("reason", reason(n));
                writer.WriteEndObject();
            }

            bodies[n] = buffer.WrittenSpan.ToArray();
        }

        return bodies;
    }

    private static string Tries(int n) => n == 1 ? "1 try" : string.Create(CultureInfo.InvariantCulture, $"{n} tries");

    private static TimeSpan Clamp(TimeSpan timeout) =>
        timeout < ShortestTimeout ? ShortestTimeout : timeout > LongestTimeout ? LongestTimeout : timeout;

    /// <summary>
    /// One request's state across its tries. Pooled by its handler: <see cref="Begin"/> takes a request, <see cref="End"/>
    /// lets go of it.
    /// </summary>
    internal sealed class Exchange
    {
        public RetryHandler Handler { get; private set; } = null!;

        public HttpRequestMessage Request { get; private set; } = null!;

        /// <summary>Where the outcome is left for whoever asked (<see cref="RetryOptions.KeepReports"/>); usually none.</summary>
        public RetryReport? Report { get; private set; }

        /// <summary>The method (and options) allow repeating a try that reached the upstream.</summary>
        public bool RepeatableAfterSend { get; private set; }

        /// <summary>The caller's token, to tell its cancellation from the request timeout's.</summary>
        public CancellationToken CallerToken { get; private set; }

        /// <summary>Tries started, the first included.</summary>
        public int Attempts { get; set; }

        public ReplayableBody? Body { get; set; }

        /// <summary>Why the last retry decision stopped; null when it chose to retry.</summary>
        public RetryStop? Stop { get; set; }

        /// <summary>A retry was decided and its try has not started: set when the deadline cuts the backoff.</summary>
        public bool RetryPending { get; set; }

        public bool RequestTimedOut { get; set; }

        /// <summary>The failure that caused the last retry.</summary>
        public RetryFailure RetriedOn { get; set; }

        public void Begin(RetryHandler handler, HttpRequestMessage request, RetryReport? report, bool repeatableAfterSend, CancellationToken callerToken)
        {
            Handler = handler;
            Request = request;
            Report = report;
            RepeatableAfterSend = repeatableAfterSend;
            CallerToken = callerToken;
            Attempts = 0;
            Body = null;
            Stop = null;
            RetryPending = false;
            RequestTimedOut = false;
            RetriedOn = RetryFailure.None;
        }

        /// <summary>Leaves the outcome in the report, when there is one.</summary>
        public void Publish(RetryFailure failure, RetryStop stop)
        {
            if (Report is { } report)
            {
                report.Attempts = Attempts;
                report.RetriedOn = RetriedOn;
                report.Failure = failure;
                report.Stop = stop;
            }
        }

        /// <summary>Drops every reference to the request, so that a pooled exchange keeps nothing alive.</summary>
        public void End()
        {
            Handler = null!;
            Request = null!;
            Report = null;
            Body = null;
            CallerToken = default;
        }
    }
}
