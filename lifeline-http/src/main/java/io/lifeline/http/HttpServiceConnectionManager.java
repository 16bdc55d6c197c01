package io.lifeline.http;

import io.lifeline.core.internal.Durations;
import io.lifeline.core.internal.LifelineThreads;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lifeline.core.ConnectionMetrics;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.ConnectionStateListener;
import io.lifeline.core.ConnectionStateTracker;
import io.lifeline.core.ErrorClass;
import io.lifeline.core.ErrorClassifier;
import io.lifeline.core.FailureLog;
import io.lifeline.core.Guard;
import io.lifeline.core.Lifeline;
import io.lifeline.core.LifelineException;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.Urls;
import io.lifeline.core.health.CheckResult;
import io.lifeline.core.health.ConnectionHealthManager;
import io.lifeline.core.health.HealthCheck;
import io.lifeline.core.health.ServiceType;
import io.lifeline.core.internal.Watchdog;
import io.lifeline.http.internal.BoundedBodyHandler;
import io.lifeline.http.internal.RetryAfter;
import io.lifeline.http.internal.StatusText;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resilient client of one HTTP service, on the JDK {@link HttpClient}: every request goes through
 * one {@link Guard} (retry with backoff and budget, circuit breaker), with the retry rules HTTP needs.
 *
 * <h2>Retry rules</h2>
 *
 * <ul>
 *   <li>Idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) are retried on connect errors,
 *       transport errors (reset, truncated body), timeouts and the statuses 408, 429, 502, 503, 504.
 *   <li>429 and 503 honour {@code Retry-After} (delay-seconds or an HTTP date) in place of the
 *       backoff. A {@code Retry-After} longer than {@link io.lifeline.core.RetryConfig#maxDelay()
 *       maxDelay} means the server will not be ready within our bound: the call fails at once (one
 *       attempt, no wait) with {@link HttpStatusException} carrying the hint in {@code retryAfter()},
 *       counted by {@link HttpMetrics#retryAfterBeyondMaxDelay()}.
 *   <li>POST and PATCH are retried only when the connection could not be opened (connection
 *       refused, connect timeout: the request provably never reached the server), or when the call
 *       carries an {@linkplain HttpCall#idempotencyKey(String) idempotency key}, sent as {@code
 *       Idempotency-Key} with the same value on every attempt.
 *   <li>Other 5xx (500, 501, …) count against the breaker and are not retried.
 *   <li>4xx other than 408 and 429 are the caller's error: returned as an {@link HttpResult}, never
 *       retried, never counted as a failure by the breaker (the server is answering).
 *   <li>3xx: redirects are not followed. Returned as an {@link HttpResult} like a 4xx; {@link
 *       #requireSuccess} (and the typed clients) turn it into {@link HttpRedirectException}, a
 *       configuration problem that names the status and the sanitized {@code Location}.
 * </ul>
 *
 * <h2>Outcomes</h2>
 *
 * {@link #request} returns the response for 1xx–4xx (except 408/429). It throws {@link
 * HttpStatusException} (a {@link ServiceUnavailableException}) for a failure status that was not
 * retried, {@link io.lifeline.core.RetriesExhaustedException} (cause: the last failure) when retries
 * ran out, {@link io.lifeline.core.CircuitOpenException} while the breaker is open, {@link
 * ServiceUnavailableException} for a transport failure of a request that may not be retried, and
 * {@link InvalidResponseException} for a body over {@code maxResponseBytes}. Each attempt is bounded
 * by the request timeout (headers <em>and</em> body), so a call never hangs.
 *
 * <p>The JDK client itself retries a <em>refused connect</em> once before reporting it (property
 * {@code jdk.httpclient.disableRetryConnect=true} turns that off); no request byte is sent by such
 * a retry. Every other retry is this manager's.
 *
 * <h2>Threads and cost</h2>
 *
 * {@link #requestAsync} never blocks a thread: it uses {@code sendAsync}, and retries are scheduled.
 * The client's own work runs on a bounded pool of at most {@value #MAX_CLIENT_THREADS} daemon threads
 * named {@code lifeline-http-<name>-N}, plus one overflow thread for bursts with at most {@value
 * #MAX_QUEUED_TASKS} queued tasks (idle threads end after 30 s). Async results complete on those threads: do not block in a dependent
 * stage; use {@code thenApplyAsync(fn, yourExecutor)} for blocking work. The success path adds one guarded call (no lock) to the
 * request the JDK client makes anyway. A sync HTTP/1.1 body with a {@code Content-Length} within
 * {@code maxResponseBytes} is read by the JDK's own subscriber (a subscriber of ours costs the JDK 17
 * client one more thread hand-off per exchange); its deadline is kept by interrupting the thread
 * blocked in {@code send} at the deadline (the interrupt is cleared before {@link #request} returns
 * or throws; an interrupt of the caller's own still ends the call, as a {@link
 * io.lifeline.core.CallFailedException} caused by {@link InterruptedException}, interrupt status kept).
 *
 * <h2>Secrets</h2>
 *
 * The bearer token, API key and URL credentials are sent as headers and never appear in {@link
 * #toString()}, exceptions, metrics, logs or health details.
 *
 * <p>Thread-safe; share one instance per service. {@link #close()} is idempotent.
 */
public class HttpServiceConnectionManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServiceConnectionManager.class);

  /** Upper bound of the client's worker threads (plus one overflow worker for bursts). */
  public static final int MAX_CLIENT_THREADS = 32;

  /** Upper bound of the client's queued tasks (callbacks of exchanges in flight). */
  public static final int MAX_QUEUED_TASKS = 10_000;

  static final ObjectMapper DEFAULT_MAPPER = JsonMapper.builder()
      .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private final HttpServiceConfig config;
  private final String name;
  private final String base;
  private final HttpClient client;
  private final ThreadPoolExecutor executor;
  private final ThreadPoolExecutor overflow;
  private final Guard guard;
  private final HttpMeters meters;
  private final ConnectionStateTracker state;
  /** A service that keeps failing is a WARN (rate-limited, sanitized), not silence. */
  private final FailureLog failures;
  private final BoundedBodyHandler bodyHandler;
  private final int maxResponseBytes;
  private final ObjectMapper mapper;
  private final String[] defaultHeaders;
  private final Duration requestTimeout;
  private final long requestTimeoutNanos;
  private final Duration maxDelay;
  private final boolean mayRetry;
  private final Clock clock;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final HttpMetrics httpMetrics = new HttpMetrics();
  private volatile ConnectionHealthManager health;

  /** A manager for {@code config}. */
  public HttpServiceConnectionManager(HttpServiceConfig config) {
    this(config, DEFAULT_MAPPER, "http");
  }

  HttpServiceConnectionManager(HttpServiceConfig config, ObjectMapper mapper, String backend) {
    this.config = Objects.requireNonNull(config, "config");
    this.name = config.name();
    this.mapper = mapper;
    String b = config.baseUrl().toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.requestTimeout = config.requestTimeout();
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.maxDelay = config.retryConfig().maxDelay();
    this.mayRetry = config.retryConfig().maxRetries() > 0;
    this.clock = Clock.systemUTC();
    // Bounded, and the JDK client must never see a rejection (JDK 17 loses an exchange whose task is
    // rejected). Up to MAX_CLIENT_THREADS workers handed tasks directly (the most recently idle worker
    // is reused, as in the JDK's own cached pool); a burst beyond that queues (bounded) for one
    // overflow worker instead of being refused.
    this.overflow = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(MAX_QUEUED_TASKS), LifelineThreads.factory("lifeline-http-" + name + "-overflow-"));
    this.overflow.allowCoreThreadTimeOut(true);
    this.executor = new ThreadPoolExecutor(0, MAX_CLIENT_THREADS, 30, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), LifelineThreads.factory("lifeline-http-" + name + "-"), (task, pool) -> {
          if (pool.isShutdown()) {
            throw new java.util.concurrent.RejectedExecutionException("'" + name + "' manager is closed");
          }
          overflow.execute(task);
        });
    this.client = HttpClient.newBuilder()
        .connectTimeout(config.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        // plain http: HTTP/1.1 (no h2c upgrade dance on every new connection); https: HTTP/2 via ALPN
        .version("https".equalsIgnoreCase(config.baseUrl().getScheme())
            ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
        .executor(executor)
        .build();
    this.bodyHandler = new BoundedBodyHandler(config.maxResponseBytes());
    this.maxResponseBytes = config.maxResponseBytes();
    this.defaultHeaders = headerArray(config);
    this.state = new ConnectionStateTracker(name);
    this.failures = new FailureLog(LOG, "HTTP service '" + name + "'");
    this.guard = Guard.builder(name)
        .retryConfig(config.retryConfig())
        .classifier(HttpServiceConnectionManager::classify)
        .retryAfter(HttpServiceConnectionManager::retryAfterHint)
        .backend(backend)
        .instrument(false) // described (and unregistered on close) with this manager's meters
        .build();
    this.meters = new HttpMeters(this, backend);
  }

  private static String[] headerArray(HttpServiceConfig c) {
    List<String> h = new ArrayList<>();
    for (Map.Entry<String, String> e : c.defaultHeaders().entrySet()) {
      h.add(e.getKey());
      h.add(e.getValue());
    }
    if (c.bearerToken() != null) {
      h.add("Authorization");
      h.add("Bearer " + c.bearerToken());
    } else if (c.basicCredentials() != null) {
      h.add("Authorization");
      h.add("Basic " + c.basicCredentials());
    }
    if (c.apiKey() != null) {
      h.add(c.apiKeyHeader());
      h.add(c.apiKey());
    }
    return h.toArray(new String[0]);
  }

  // ------------------------------------------------------------------------------- classification

  /** How the Guard treats a failed attempt; the attempt has already applied the per-request rules. */
  static ErrorClass classify(Throwable error) {
    Throwable t = ErrorClassifier.unwrap(error);
    if (t instanceof HttpStatusException) {
      return ((HttpStatusException) t).retryAllowed() ? ErrorClass.RETRIABLE : ErrorClass.FAILURE;
    }
    if (t instanceof InvalidResponseException || t instanceof HttpRedirectException) {
      return ErrorClass.CALLER_ERROR;
    }
    return ErrorClassifier.defaults().classify(t);
  }

  static Duration retryAfterHint(Throwable t) {
    return t instanceof HttpStatusException ? ((HttpStatusException) t).retryAfter().orElse(null) : null;
  }

  /** True when {@code t} shows the connection was never opened, so no byte of the request was sent. */
  static boolean neverReachedServer(Throwable t) {
    for (int depth = 0; t != null && depth < 8; t = t.getCause(), depth++) {
      if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------- requests

  /** {@code method path} without a body. */
  public HttpResult request(String method, String path) {
    return request(HttpCall.of(method, path));
  }

  /** {@code method path} with {@code jsonBody} serialized by Jackson (none when null). */
  public HttpResult request(String method, String path, Object jsonBody) {
    HttpCall call = HttpCall.of(method, path);
    return request(jsonBody == null ? call : call.json(jsonBody));
  }

  /**
   * Sends {@code call} under the retry rules (see the class documentation) on the calling thread.
   *
   * @return the response, for any status other than a failure status (5xx, 408, 429)
   * @throws ServiceUnavailableException and subtypes when the service could not serve the call
   * @throws InvalidResponseException when the body exceeds {@code maxResponseBytes}
   * @throws IllegalArgumentException when the body cannot be serialized
   * @throws IllegalStateException when the manager is closed
   */
  public HttpResult request(HttpCall call) {
    HttpRequest req = build(call);
    long limit = limitNanos(call);
    try {
      HttpResult r = guard.call(() -> attempt(req, call, limit));
      meters.record(call.endpoint(), r.statusCode());
      succeeded();
      return r;
    } catch (ServiceUnavailableException e) {
      meters.recordFailure(call.endpoint(), e);
      failed(e);
      throw e;
    } catch (Error e) {
      meters.recordFailure(call.endpoint(), e);
      unusable(e);
      throw e;
    }
  }

  /** Async {@code method path} without a body. */
  public CompletableFuture<HttpResult> requestAsync(String method, String path) {
    return requestAsync(HttpCall.of(method, path));
  }

  /** Async {@code method path} with a JSON body (none when null). */
  public CompletableFuture<HttpResult> requestAsync(String method, String path, Object jsonBody) {
    HttpCall call = HttpCall.of(method, path);
    return requestAsync(jsonBody == null ? call : call.json(jsonBody));
  }

  /**
   * As {@link #request(HttpCall)} without blocking any thread: the future completes with the result
   * or the same exceptions. Cancelling it aborts the exchange in flight and any pending retry.
   */
  public CompletableFuture<HttpResult> requestAsync(HttpCall call) {
    HttpRequest req;
    try {
      req = build(call);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    long limit = limitNanos(call);
    CompletableFuture<HttpResult> f = guard.callAsync(() -> attemptAsync(req, call, limit));
    f.whenComplete((r, e) -> {
      if (e == null) {
        meters.record(call.endpoint(), r.statusCode());
        succeeded();
      } else {
        meters.recordFailure(call.endpoint(), e);
        Throwable c = ErrorClassifier.unwrap(e);
        if (c instanceof ServiceUnavailableException) {
          failed(c);
        } else if (c instanceof Error) {
          unusable(c);
        }
      }
    });
    return f;
  }

  /**
   * {@code result} if 2xx, else {@link HttpRedirectException} (3xx: redirects are not followed),
   * {@link HttpRequestRejectedException} (4xx) or {@link HttpStatusException} (other statuses).
   */
  public static HttpResult requireSuccess(HttpResult result) {
    if (result.isSuccess()) {
      return result;
    }
    if (result.statusCode() >= 300 && result.statusCode() < 400) {
      throw new HttpRedirectException(result);
    }
    if (result.statusCode() >= 400 && result.statusCode() < 500) {
      throw new HttpRequestRejectedException(result);
    }
    throw new HttpStatusException(result, null, false);
  }

  private long limitNanos(HttpCall call) {
    return call.timeout() == null ? requestTimeoutNanos : call.timeout().toNanos();
  }

  private HttpRequest build(HttpCall call) {
    if (closed.get()) {
      throw new IllegalStateException("'" + name + "' manager is closed");
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + call.path()))
        .timeout(call.timeout() == null ? requestTimeout : call.timeout());
    if (defaultHeaders.length > 0) {
      b.headers(defaultHeaders);
    }
    if (call.headers().length > 0) {
      b.headers(call.headers());
    }
    if (call.idempotencyKey() != null) {
      b.header(HttpCall.IDEMPOTENCY_KEY_HEADER, call.idempotencyKey());
    }
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
    byte[] bytes = call.rawBody();
    if (call.jsonBody() != null) {
      try {
        bytes = mapper.writeValueAsBytes(call.jsonBody());
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("'" + name + "' " + call.method() + " "
            + Urls.sanitize(call.path()) + ": body cannot be serialized to JSON ("
            + call.jsonBody().getClass().getName() + ")");
      }
    }
    if (bytes != null) {
      body = HttpRequest.BodyPublishers.ofByteArray(bytes);
      b.header("Content-Type", call.contentType());
    }
    return b.method(call.method(), body).build();
  }

  /**
   * One sync attempt. {@code send} (not {@code sendAsync().get()}: the JDK's sync path saves a
   * thread hand-off, about half the cost of a loopback exchange). The request timeout bounds the
   * wait for the headers (JDK); the rest is bounded by the handler's deadline (bodies it reads
   * itself) and core's watchdog, which interrupts {@code send} at the same
   * deadline (bodies the JDK's own subscriber reads: see {@link BoundedBodyHandler}), so the whole
   * attempt ends within the timeout.
   */
  private HttpResult attempt(HttpRequest req, HttpCall call, long limitNanos) throws Exception {
    long start = System.nanoTime();
    Watchdog.Watch watch = Watchdog.watch(limitNanos);
    HttpResponse<byte[]> resp;
    try {
      resp = client.send(req, BoundedBodyHandler.forWatchedSend(maxResponseBytes, start, limitNanos));
    } catch (InterruptedException e) {
      if (watch.finish()) { // our deadline, not the caller's interrupt
        throw transportFailure(call, timedOut(limitNanos));
      }
      throw e;
    } catch (java.io.IOException e) {
      watch.finish();
      throw transportFailure(call, e);
    } catch (RuntimeException | Error e) {
      watch.finish();
      throw e;
    }
    watch.finish(); // if it fired just as the response completed: it is complete, use it
    return toResult(call, resp);
  }

  private CompletableFuture<HttpResult> attemptAsync(HttpRequest req, HttpCall call, long limitNanos) {
    CompletableFuture<HttpResponse<byte[]>> raw =
        client.sendAsync(req, new BoundedBodyHandler(maxResponseBytes, System.nanoTime(), limitNanos));
    CompletableFuture<HttpResult> mapped = raw.handle((resp, err) -> {
      if (err == null) {
        return toResult(call, resp);
      }
      throw new CompletionException(transportFailure(call, ErrorClassifier.unwrap(err)));
    });
    mapped.whenComplete((r, e) -> {
      if (e instanceof CancellationException) {
        raw.cancel(true); // the Guard (or the caller) abandoned this attempt
      }
    });
    return mapped;
  }

  private static HttpTimeoutException timedOut(long limitNanos) {
    return new HttpTimeoutException("no complete response within "
        + Durations.format(Duration.ofNanos(limitNanos)));
  }

  /** What a failed exchange is, given whether the request may be repeated. */
  private Exception transportFailure(HttpCall call, Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BoundedBodyHandler.ResponseTooLargeException) {
        return new InvalidResponseException(name, call.method(), call.path(), 0, c.getMessage());
      }
    }
    if (neverReachedServer(t) || call.isRetriable()) {
      return t instanceof Exception ? (Exception) t : new CompletionException(t);
    }
    return new ServiceUnavailableException(name, call.method() + " " + Urls.sanitize(call.path())
        + " failed after it may have reached the server; not retried (" + call.method()
        + " without Idempotency-Key)", t);
  }

  private HttpResult toResult(HttpCall call, HttpResponse<byte[]> resp) {
    int s = resp.statusCode();
    HttpResult r = new HttpResult(name, call.method(), call.path(), s, resp.headers(), resp.body(), mapper);
    if (s < 500 && s != 408 && s != 429) {
      if (s >= 300 && s < 400) {
        httpMetrics.recordRedirect();
      }
      return r;
    }
    boolean retriable = (s == 408 || s == 429 || s == 502 || s == 503 || s == 504) && call.isRetriable();
    Duration after = s == 429 || s == 503
        ? RetryAfter.parse(resp.headers().firstValue("Retry-After").orElse(null), clock) : null;
    if (retriable && mayRetry && after != null && after.compareTo(maxDelay) > 0) {
      // the server says it will not be ready within our bound: waiting maxDelay and asking again
      // would only cost the caller time (and the server a request) for an answer known in advance
      httpMetrics.recordRetryAfterBeyondMaxDelay();
      throw new HttpStatusException(r, after, false, "Retry-After " + Durations.format(after)
          + " exceeds maxDelay " + Durations.format(maxDelay) + ", not retried");
    }
    throw new HttpStatusException(r, after, retriable);
  }

  private void succeeded() {
    if (state.current() != ConnectionState.CONNECTED) {
      state.transitionTo(ConnectionState.CONNECTED);
      failures.success();
    }
  }

  /**
   * An {@link Error} from the client (the Guard rethrows it unretried): it cannot work, which is no
   * outage of the service; FAILED and, if registered, UNAVAILABLE with the error as the reason.
   */
  private void unusable(Throwable e) {
    state.transitionTo(ConnectionState.FAILED);
    ConnectionHealthManager h = health;
    if (h != null) {
      try {
        h.reportUnusable(name, e);
      } catch (RuntimeException ignored) {
        // unregistered or closed meanwhile
      }
    }
  }

  private void failed(Throwable e) {
    state.transitionTo(ConnectionState.FAILED);
    failures.failure(e);
    ConnectionHealthManager h = health;
    if (h != null) {
      try {
        h.reportFailure(name, e);
      } catch (RuntimeException ignored) {
        // unregistered or closed meanwhile
      }
    }
  }

  // ------------------------------------------------------------------------- connect, health, state

  /**
   * Verifies the service answers: GETs the health path under the retry rules (CONNECTING, then
   * CONNECTED or FAILED) and records the time taken as the connection duration.
   *
   * @throws ServiceUnavailableException when the service does not answer, or answers 5xx
   * @throws HttpRedirectException when it answers 3xx (redirects are not followed: check the base URL)
   * @throws HttpRequestRejectedException when it answers 4xx (check the health path and credentials)
   */
  public void connect() {
    state.transitionTo(ConnectionState.CONNECTING);
    long start = System.nanoTime();
    HttpCall call = HttpCall.get(config.healthPath());
    HttpResult r;
    try {
      HttpRequest req = build(call);
      r = guard.call(() -> attempt(req, call, requestTimeoutNanos));
    } catch (ServiceUnavailableException e) {
      failed(e);
      throw e;
    } catch (RuntimeException e) {
      state.transitionTo(ConnectionState.FAILED);
      throw e;
    } catch (Error e) {
      unusable(e);
      throw e;
    }
    if (!r.isSuccess()) {
      state.transitionTo(ConnectionState.FAILED);
      // a configuration problem (base URL, health path, credentials), not an outage: say so
      requireSuccess(r);
      throw new ServiceUnavailableException(name, "health path " + config.healthPath() + " answered "
          + StatusText.of(r.statusCode()), null);
    }
    metrics().recordConnectionDuration(Duration.ofNanos(System.nanoTime() - start));
    state.transitionTo(ConnectionState.CONNECTED);
  }

  /**
   * A health check: one GET of the health path (no retry: the health manager has its own thresholds;
   * not through the breaker, so it sees recovery while the breaker is open), bounded by the request
   * timeout. UP on 2xx with details {@code url} and {@code status}; DOWN otherwise.
   */
  public HealthCheck healthCheck() {
    return HealthCheck.async(() -> probe(config.healthPath()));
  }

  /** One unguarded GET of {@code path}: UP on 2xx, DOWN otherwise. */
  CompletableFuture<CheckResult> probe(String path) {
    return probe(path, r -> CheckResult.up(Map.of("url", Urls.sanitize(base + path), "status", r.statusCode())));
  }

  /** One unguarded GET of {@code path}; a 2xx response is judged by {@code onSuccess}. */
  CompletableFuture<CheckResult> probe(String path, java.util.function.Function<HttpResult, CheckResult> onSuccess) {
    HttpCall call = HttpCall.get(path);
    HttpRequest req;
    try {
      req = build(call);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(CheckResult.down(e));
    }
    CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(req, bodyHandler);
    return exchange.copy().orTimeout(requestTimeoutNanos, TimeUnit.NANOSECONDS)
        .handle((resp, err) -> {
          if (err != null) {
            Throwable c = ErrorClassifier.unwrap(err);
            if (c instanceof TimeoutException) {
              exchange.cancel(true); // the check is over: do not leave the exchange running (a slow body)
              return CheckResult.down(timedOut(requestTimeoutNanos));
            }
            return CheckResult.down(c);
          }
          HttpResult r = new HttpResult(name, "GET", path, resp.statusCode(), resp.headers(), resp.body(), mapper);
          if (!r.isSuccess()) {
            return NotSuccess.check("GET " + Urls.sanitize(path), r.statusCode(), r.headers());
          }
          try {
            return onSuccess.apply(r);
          } catch (LifelineException e) {
            return CheckResult.down(e);
          }
        });
  }

  /**
   * Registers {@link #healthCheck()} with {@code health} under this manager's name as {@link
   * ServiceType#HTTP}; failed calls are then also reported to it ({@code reportFailure}).
   */
  public void registerWith(ConnectionHealthManager health, Set<String> features) {
    registerWith(health, ServiceType.HTTP, healthCheck(), features);
  }

  void registerWith(ConnectionHealthManager health, ServiceType type, HealthCheck check, Set<String> features) {
    Objects.requireNonNull(health, "health");
    health.register(name, type, check, features);
    this.health = health;
  }

  /** The current connection state. */
  public ConnectionState state() {
    return state.current();
  }

  /** Adds a listener of state changes (seed: {@code add_state_callback}); called off the caller's thread. */
  public ConnectionStateListener addStateListener(java.util.function.Consumer<ConnectionState> listener) {
    return state.addStateListener(listener);
  }

  /** Adds a listener of (previous, current) state changes. */
  public void addStateListener(ConnectionStateListener listener) {
    state.addStateListener(listener);
  }

  /** Attempts, successes, failures, retries, rejections, last error (sanitized). */
  public ConnectionMetrics metrics() {
    return guard.metrics();
  }

  /** What HTTP adds to {@link #metrics()}: Retry-After refusals, redirects. */
  public HttpMetrics httpMetrics() {
    return httpMetrics;
  }

  /** The guard every request goes through (its breaker and budget). */
  public Guard guard() {
    return guard;
  }

  public HttpServiceConfig config() {
    return config;
  }

  public String name() {
    return name;
  }

  /** Closes the client (idempotent): state CLOSED, health registration removed, threads stopped. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    meters.close();
    state.transitionTo(ConnectionState.CLOSED);
    ConnectionHealthManager h = health;
    health = null;
    if (h != null) {
      try {
        h.unregister(name);
      } catch (RuntimeException e) {
        LOG.debug("'{}': unregistering from the health manager failed: {}", name, e.toString());
      }
    }
    if (client instanceof AutoCloseable) { // Java 21+: HttpClient.close() waits for exchanges
      try {
        ((AutoCloseable) client).close();
      } catch (Exception e) {
        LOG.debug("'{}': closing the HTTP client failed: {}", name, e.toString());
      }
    }
    executor.shutdownNow();
    overflow.shutdownNow();
  }

  /** As {@link #close()}, on another thread. */
  public CompletableFuture<Void> closeAsync() {
    return CompletableFuture.runAsync(this::close, executorForClose());
  }

  private static java.util.concurrent.Executor executorForClose() {
    return r -> {
      Thread t = new Thread(r, "lifeline-http-close");
      t.setDaemon(true);
      t.start();
    };
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /** Live worker threads of the client's bounded pool (for tests and diagnostics). */
  int clientThreads() {
    return executor.getPoolSize() + overflow.getPoolSize();
  }

  @Override
  public String toString() {
    return "HttpServiceConnectionManager[" + name + ", " + Urls.sanitize(base) + ", "
        + state.current() + ", credentials=" + (config.hasCredentials() ? io.lifeline.core.Secrets.MASK : "none") + "]";
  }

  // ---------------------------------------------------------------------------------------- global

  private static final ConcurrentHashMap<String, HttpServiceConnectionManager> GLOBALS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, Lifeline.Registration> REGISTRATIONS = new ConcurrentHashMap<>();

  /**
   * The process-wide manager of service {@code name}.
   *
   * @throws IllegalStateException if {@link #initializeGlobal} was not called for it
   */
  public static HttpServiceConnectionManager global(String name) {
    HttpServiceConnectionManager m = GLOBALS.get(name);
    if (m == null) {
      throw new IllegalStateException("no global HTTP service '" + name
          + "': call HttpServiceConnectionManager.initializeGlobal(config) first");
    }
    return m;
  }

  /**
   * Creates the process-wide manager for {@code config.name()} if there is none yet, registers it
   * with {@link Lifeline#closeAll()}, and returns it; returns the existing one otherwise.
   */
  public static HttpServiceConnectionManager initializeGlobal(HttpServiceConfig config) {
    return initializeGlobal(config.name(), () -> new HttpServiceConnectionManager(config));
  }

  static <M extends HttpServiceConnectionManager> M initializeGlobal(String name,
      java.util.function.Supplier<M> factory) {
    for (;;) {
      HttpServiceConnectionManager existing = GLOBALS.get(name);
      if (existing != null && !existing.isClosed()) {
        @SuppressWarnings("unchecked")
        M m = (M) existing;
        return m;
      }
      if (existing != null) {
        GLOBALS.remove(name, existing);
        continue;
      }
      M created = factory.get();
      if (GLOBALS.putIfAbsent(name, created) == null) {
        REGISTRATIONS.put(name, Lifeline.register("http:" + name, () -> shutdownGlobal(name)));
        return created;
      }
      created.close();
    }
  }

  /** Closes and forgets the process-wide manager of {@code name}, if any (idempotent). */
  public static void shutdownGlobal(String name) {
    HttpServiceConnectionManager m = GLOBALS.remove(name);
    Lifeline.Registration r = REGISTRATIONS.remove(name);
    if (r != null) {
      r.unregister();
    }
    if (m != null) {
      m.close();
    }
  }

  static HttpServiceConnectionManager globalOrNull(String name) {
    return GLOBALS.get(name);
  }
}
