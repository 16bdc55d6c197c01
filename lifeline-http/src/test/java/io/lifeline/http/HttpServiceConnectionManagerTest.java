package io.lifeline.http;

import static io.lifeline.http.LoopbackServer.json;
import static io.lifeline.http.LoopbackServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.CircuitOpenException;
import io.lifeline.core.ConfigurationException;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.Lifeline;
import io.lifeline.core.RetriesExhaustedException;
import io.lifeline.core.RetryBudget;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.Settings;
import io.lifeline.http.internal.RetryAfter;
import io.lifeline.testkit.FaultProxy;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServiceConnectionManagerTest {
  private final LoopbackServer server;
  private final List<AutoCloseable> closeMe = new ArrayList<>();

  HttpServiceConnectionManagerTest() throws Exception {
    server = new LoopbackServer();
    server.on("/ok", (ex, b) -> json(ex, 200, "{\"a\":1,\"b\":[true]}"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeMe) {
      c.close();
    }
    server.close();
  }

  static RetryConfig fast(int retries) {
    return RetryConfig.builder().maxRetries(retries).baseDelay(Duration.ofMillis(5))
        .maxDelay(Duration.ofMillis(50)).build();
  }

  HttpServiceConnectionManager manager(String url, RetryConfig retry, Duration timeout) {
    HttpServiceConnectionManager m = new HttpServiceConnectionManager(HttpServiceConfig.builder("svc")
        .baseUrl(url).retryConfig(retry).requestTimeout(timeout).connectTimeout(Duration.ofSeconds(2))
        .healthPath("/ok").build());
    closeMe.add(m);
    return m;
  }

  HttpServiceConnectionManager manager(RetryConfig retry) {
    return manager(server.url(), retry, Duration.ofSeconds(5));
  }

  @Test
  void getReturnsStatusHeadersBodyAndJson() {
    HttpResult r = manager(fast(3)).request("GET", "/ok");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.header("content-type")).contains("application/json");
    assertThat(r.json().get("a").asInt()).isEqualTo(1);
    assertThat(r.body()).contains("\"b\"");
  }

  @Test
  void postSendsJsonBodyAndDefaultHeaders() {
    server.on("/echo", (ex, b) -> json(ex, 201, b));
    HttpServiceConnectionManager m = new HttpServiceConnectionManager(HttpServiceConfig.builder("svc")
        .baseUrl(server.url()).header("X-Team", "core").build());
    closeMe.add(m);
    HttpResult r = m.request("POST", "/echo", Map.of("type", "Question"));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.json().get("type").asText()).isEqualTo("Question");
    LoopbackServer.Seen seen = server.seen.get(0);
    assertThat(seen.header("Content-Type")).isEqualTo("application/json");
    assertThat(seen.header("X-Team")).isEqualTo("core");
  }

  @Test
  void callerErrorsAreReturnedNotRetriedAndNeverTripTheBreaker() {
    server.on("/missing", status(404));
    HttpServiceConnectionManager m = manager(RetryConfig.builder().maxRetries(3).circuitBreakerThreshold(2)
        .baseDelay(Duration.ofMillis(5)).build());
    for (int i = 0; i < 5; i++) {
      assertThat(m.request("GET", "/missing").statusCode()).isEqualTo(404);
    }
    assertThat(server.count("GET", "/missing")).isEqualTo(5);
    assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(m.metrics().failedConnections()).isZero();
    assertThat(m.metrics().totalRetries()).isZero();
    assertThatThrownBy(() -> HttpServiceConnectionManager.requireSuccess(m.request("GET", "/missing")))
        .isInstanceOf(HttpRequestRejectedException.class).hasMessageContaining("404");
  }

  @Test
  void idempotentGetIsRetriedOn502503504And408ThenSucceeds() {
    server.script("/flaky", status(502), status(503), status(504), status(408));
    server.on("/flaky", (ex, b) -> json(ex, 200, "{}"));
    HttpServiceConnectionManager m = manager(fast(5));
    assertThat(m.request("GET", "/flaky").statusCode()).isEqualTo(200);
    assertThat(server.count("GET", "/flaky")).isEqualTo(5);
    assertThat(m.metrics().totalRetries()).isEqualTo(4);
  }

  @Test
  void retriesExhaustedIsTypedWithTheLastStatusAsCause() {
    server.on("/down", status(503));
    HttpServiceConnectionManager m = manager(fast(2));
    assertThatThrownBy(() -> m.request("GET", "/down"))
        .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
          assertThat(e.attempts()).isEqualTo(3);
          assertThat(e.getCause()).isInstanceOf(HttpStatusException.class);
          assertThat(((HttpStatusException) e.getCause()).statusCode()).isEqualTo(503);
        });
    assertThat(server.count("GET", "/down")).isEqualTo(3);
    assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
  }

  @Test
  void serverErrorOtherThan502To504IsNotRetriedButCountsAgainstTheBreaker() {
    server.on("/boom", status(500));
    HttpServiceConnectionManager m = manager(RetryConfig.builder().maxRetries(3).circuitBreakerThreshold(2)
        .baseDelay(Duration.ofMillis(5)).build());
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> m.request("GET", "/boom"))
          .isInstanceOfSatisfying(HttpStatusException.class, e -> assertThat(e.statusCode()).isEqualTo(500));
    }
    assertThat(server.count("GET", "/boom")).isEqualTo(2);
    assertThatThrownBy(() -> m.request("GET", "/boom")).isInstanceOf(CircuitOpenException.class);
    assertThat(server.count("GET", "/boom")).isEqualTo(2); // rejected without reaching the server
  }

  @Test
  void retryAfterSecondsReplacesTheBackoff() {
    server.script("/busy", status(503, "Retry-After", "1"));
    server.on("/busy", (ex, b) -> json(ex, 200, "{}"));
    // backoff would wait 20 s; the server asks for 1 s
    HttpServiceConnectionManager m = manager(RetryConfig.builder().maxRetries(1).jitter(false)
        .baseDelay(Duration.ofSeconds(20)).maxDelay(Duration.ofSeconds(30)).build());
    long start = System.nanoTime();
    assertThat(m.request("GET", "/busy").statusCode()).isEqualTo(200);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void retryAfterWithinMaxDelayIsHonouredFor429() {
    // (a Retry-After beyond maxDelay fails at once: RetryAfterBeyondBoundTest)
    server.script("/limited", status(429, "Retry-After", "1"));
    server.on("/limited", (ex, b) -> json(ex, 200, "{}"));
    HttpServiceConnectionManager m = manager(RetryConfig.builder().maxRetries(2).jitter(false)
        .baseDelay(Duration.ofMillis(10)).maxDelay(Duration.ofSeconds(2)).build());
    long start = System.nanoTime();
    assertThat(m.request("GET", "/limited").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950))
        .isLessThan(Duration.ofSeconds(5));
    assertThat(server.count("GET", "/limited")).isEqualTo(2);
  }

  @Test
  void retryAfterParsesSecondsAndHttpDates() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-30T10:00:00Z"), ZoneOffset.UTC);
    assertThat(RetryAfter.parse("120", clock)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("Mon, 30 Nov 2026 10:00:05 GMT", clock)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RetryAfter.parse("Mon, 30 Nov 2026 09:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
    // the obsolete forms recipients must accept too (RFC 9110 §5.6.7)
    assertThat(RetryAfter.parse("Monday, 30-Nov-26 10:00:05 GMT", clock)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RetryAfter.parse("Mon Nov 30 10:00:05 2026", clock)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RetryAfter.parse("Sun Nov  6 08:49:37 1994", clock)).isEqualTo(Duration.ZERO);
    assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", clock)).isEqualTo(Duration.ZERO); // 1994
    assertThat(RetryAfter.parse("soon", clock)).isNull();
    assertThat(RetryAfter.parse("-3", clock)).isNull();
    assertThat(RetryAfter.parse(null, clock)).isNull();
  }

  @Test
  void postIsNotRetriedAfterReachingTheServerWithoutIdempotencyKey() {
    server.on("/orders", status(503, "Retry-After", "0"));
    HttpServiceConnectionManager m = manager(fast(3));
    assertThatThrownBy(() -> m.request("POST", "/orders", Map.of("id", 1)))
        .isInstanceOfSatisfying(HttpStatusException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(503);
          assertThat(e.retryAfter()).contains(Duration.ZERO);
        });
    assertThat(server.count("POST", "/orders")).isEqualTo(1);
    server.on("/rl", status(429));
    assertThatThrownBy(() -> m.request("PATCH", "/rl", Map.of())).isInstanceOf(HttpStatusException.class);
    assertThat(server.count("PATCH", "/rl")).isEqualTo(1);
  }

  @Test
  void postWithIdempotencyKeyIsRetriedWithTheSameKeyOnEveryAttempt() {
    server.script("/orders", status(503), status(502));
    server.on("/orders", (ex, b) -> json(ex, 201, "{\"id\":\"o-1\"}"));
    HttpServiceConnectionManager m = manager(fast(3));
    HttpResult r = m.request(HttpCall.post("/orders").json(Map.of("n", 1)).idempotencyKey("key-42"));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(server.seen).hasSize(3).allSatisfy(s -> {
      assertThat(s.header("Idempotency-Key")).isEqualTo("key-42");
      assertThat(s.body()).isEqualTo("{\"n\":1}");
    });
  }

  @Test
  void postIsRetriedWhenTheConnectionIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HttpServiceConnectionManager m = manager("http://127.0.0.1:" + port, fast(3), Duration.ofSeconds(5));
    assertThatThrownBy(() -> m.request("POST", "/orders", Map.of()))
        .isInstanceOfSatisfying(RetriesExhaustedException.class, e -> {
          assertThat(e.attempts()).isEqualTo(4);
          assertThat(e.getCause()).isInstanceOf(java.net.ConnectException.class);
        });
    assertThat(m.metrics().failedConnections()).isEqualTo(4);
  }

  @Test
  void resetAfterTheRequestWasSentRetriesGetButNotPost() throws Exception {
    server.on("/held", (ex, b) -> {
      server.hang();
      json(ex, 200, "{}");
    });
    FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
    closeMe.add(proxy);
    HttpServiceConnectionManager m = manager("http://" + proxy.host() + ":" + proxy.port(), fast(2),
        Duration.ofSeconds(5));
    CompletableFuture<HttpResult> post = m.requestAsync("POST", "/held", Map.of("n", 1));
    await().atMost(Duration.ofSeconds(5)).until(() -> server.count("POST", "/held") == 1);
    proxy.reset(); // the request reached the server; now the connection dies
    assertThatThrownBy(() -> post.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isExactlyInstanceOf(ServiceUnavailableException.class).hasMessageContaining("not retried");
    assertThat(server.count("POST", "/held")).isEqualTo(1);

    proxy.passThrough();
    CompletableFuture<HttpResult> get = m.requestAsync("GET", "/held");
    await().atMost(Duration.ofSeconds(5)).until(() -> server.count("GET", "/held") == 1);
    proxy.cutAll(); // reset the connection in flight, then let the retry through
    server.release.countDown();
    assertThat(get.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(server.count("GET", "/held")).isEqualTo(2);
  }

  @Test
  void blackHoleIsBoundedByTheRequestTimeoutSyncAndAsync() throws Exception {
    FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
    closeMe.add(proxy);
    proxy.blackHole();
    HttpServiceConnectionManager m = manager("http://" + proxy.host() + ":" + proxy.port(), fast(1),
        Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThatThrownBy(() -> m.request("GET", "/ok")).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.getCause()).isInstanceOf(HttpTimeoutException.class));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    start = System.nanoTime();
    CompletableFuture<HttpResult> f = m.requestAsync("GET", "/ok");
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void latencyBelowTheTimeoutSucceedsAboveItTimesOut() throws Exception {
    FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
    closeMe.add(proxy);
    proxy.latency(Duration.ofMillis(150));
    HttpServiceConnectionManager ok = manager("http://" + proxy.host() + ":" + proxy.port(), fast(0),
        Duration.ofSeconds(5));
    assertThat(ok.request("GET", "/ok").statusCode()).isEqualTo(200);
    proxy.latency(Duration.ofSeconds(3));
    HttpServiceConnectionManager slow = manager("http://" + proxy.host() + ":" + proxy.port(), fast(0),
        Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThatThrownBy(() -> slow.request("GET", "/ok")).isInstanceOf(RetriesExhaustedException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void slowBodyAfterHeadersIsBoundedByTheRequestTimeout() {
    server.on("/trickle", (ex, b) -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0); // chunked
      OutputStream os = ex.getResponseBody();
      os.write("{\"a\":".getBytes(StandardCharsets.UTF_8));
      os.flush();
      server.hang(); // the rest never comes while the test runs
    });
    HttpServiceConnectionManager m = manager(server.url(), fast(0), Duration.ofMillis(400));
    long start = System.nanoTime();
    assertThatThrownBy(() -> m.request("GET", "/trickle")).isInstanceOf(RetriesExhaustedException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    long startAsync = System.nanoTime();
    assertThatThrownBy(() -> m.requestAsync("GET", "/trickle").get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - startAsync)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aHealthCheckThatTimesOutAbandonsItsExchange() throws Exception {
    java.util.concurrent.CountDownLatch abandoned = new java.util.concurrent.CountDownLatch(1);
    server.on("/slow-health", (ex, b) -> {
      ex.sendResponseHeaders(200, 1_000_000);
      OutputStream os = ex.getResponseBody();
      try {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < 400; i++) { // the injected fault: a body trickling for 20 s, a byte every 50 ms
          os.write(' ');
          os.flush();
          never.await(50, TimeUnit.MILLISECONDS);
        }
      } catch (java.io.IOException clientWentAway) {
        abandoned.countDown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    HttpServiceConnectionManager m = new HttpServiceConnectionManager(HttpServiceConfig.builder("svc")
        .baseUrl(server.url()).healthPath("/slow-health").requestTimeout(Duration.ofMillis(300)).build());
    closeMe.add(m);
    io.lifeline.core.health.CheckResult r = m.healthCheck().checkAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(r.outcome()).isEqualTo(io.lifeline.core.health.CheckResult.Outcome.DOWN);
    assertThat(r.error()).contains("no complete response within");
    assertThat(abandoned.await(5, TimeUnit.SECONDS)).as("the exchange was closed, not left reading").isTrue();
  }

  @Test
  void slowBodyWithContentLengthIsBoundedSyncAndLeavesTheThreadUninterrupted() {
    // a declared length within maxResponseBytes: the sync path reads it with the JDK's own
    // subscriber, bounded by the caller watch (interrupt at the deadline, then cleared)
    server.on("/trickle-fixed", (ex, b) -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 100);
      OutputStream os = ex.getResponseBody();
      os.write("{\"a\":".getBytes(StandardCharsets.UTF_8));
      os.flush();
      server.hang();
    });
    HttpServiceConnectionManager m = manager(server.url(), fast(0), Duration.ofMillis(400));
    long start = System.nanoTime();
    assertThatThrownBy(() -> m.request("GET", "/trickle-fixed")).isInstanceOf(RetriesExhaustedException.class)
        .hasCauseInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(m.request("GET", "/ok").statusCode()).isEqualTo(200); // the thread and manager still work
    await().atMost(Duration.ofSeconds(5)).until(() -> io.lifeline.http.internal.BoundedBodyHandler.watchedBodies() == 0);
  }

  @Test
  void callerInterruptIsNotMistakenForTheDeadline() {
    server.on("/slow-headers", (ex, b) -> {
      server.hang();
      ex.sendResponseHeaders(200, -1);
    });
    HttpServiceConnectionManager m = manager(server.url(), fast(0), Duration.ofSeconds(5));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> m.request("GET", "/slow-headers")).hasRootCauseInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue(); // the caller's interrupt is kept
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void bodyDeadlinesAreForgottenOnceBodiesComplete() {
    HttpServiceConnectionManager m = manager(fast(0));
    for (int i = 0; i < 300; i++) {
      m.request("GET", "/ok"); // sync: the calling thread is watched
      m.requestAsync("GET", "/ok").join(); // async: the body subscriber is watched
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> io.lifeline.http.internal.BoundedBodyHandler.watchedBodies() == 0);
  }

  @Test
  void truncatedBodyIsATransportErrorRetriedForGetNotForPost() {
    server.on("/cut", (ex, b) -> {
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 100); // promises 100 bytes
      OutputStream os = ex.getResponseBody();
      os.write("{\"a\":".getBytes(StandardCharsets.UTF_8));
      os.flush();
      ex.getHttpContext().getServer(); // then the exchange is closed early by the dispatcher
    });
    HttpServiceConnectionManager m = manager(fast(2));
    assertThatThrownBy(() -> m.request("GET", "/cut")).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.attempts()).isEqualTo(3));
    assertThat(server.count("GET", "/cut")).isEqualTo(3);
    assertThatThrownBy(() -> m.request("POST", "/cut", Map.of()))
        .isExactlyInstanceOf(ServiceUnavailableException.class);
    assertThat(server.count("POST", "/cut")).isEqualTo(1);
  }

  @Test
  void invalidJsonGivesAClearTypedErrorNotAParserStackTrace() {
    server.on("/bad", (ex, b) -> json(ex, 200, "{\"a\": tru"));
    server.on("/html", (ex, b) -> LoopbackServer.send(ex, 200, "text/html", "<html>oops</html>"));
    HttpServiceConnectionManager m = manager(fast(0));
    HttpResult r = m.request("GET", "/bad?x=1");
    assertThatThrownBy(r::json).isInstanceOfSatisfying(InvalidResponseException.class, e -> {
      assertThat(e.getMessage()).startsWith("'svc' GET /bad?x=1 (status 200): invalid response: body is not")
          .doesNotContain("com.fasterxml").doesNotContain("Source:");
      assertThat(e.getCause()).isNull();
      assertThat(e.statusCode()).isEqualTo(200);
    });
    assertThatThrownBy(() -> m.request("GET", "/html").json()).isInstanceOf(InvalidResponseException.class)
        .hasMessageContaining("/html");
  }

  @Test
  void bodiesLargerThanTheBoundAreRefusedWithoutRetry() {
    String big = "[" + "1,".repeat(5000) + "1]";
    server.on("/big", (ex, b) -> json(ex, 200, big));
    server.on("/bigchunked", (ex, b) -> {
      ex.sendResponseHeaders(200, 0);
      try (OutputStream os = ex.getResponseBody()) {
        for (int i = 0; i < 100; i++) {
          os.write(big.getBytes(StandardCharsets.UTF_8));
        }
      } catch (java.io.IOException clientGaveUp) {
        // expected: the client cancels once over the bound
      }
    });
    HttpServiceConnectionManager m = new HttpServiceConnectionManager(HttpServiceConfig.builder("svc")
        .baseUrl(server.url()).maxResponseBytes(4096).retryConfig(fast(3)).build());
    closeMe.add(m);
    assertThatThrownBy(() -> m.request("GET", "/big")).isInstanceOf(InvalidResponseException.class)
        .hasMessageContaining("maxResponseBytes=4096");
    assertThatThrownBy(() -> m.request("GET", "/bigchunked")).isInstanceOf(InvalidResponseException.class)
        .hasMessageContaining("exceeds 4096 bytes");
    assertThat(server.count("GET", "/big")).isEqualTo(1);
    assertThat(server.count("GET", "/bigchunked")).isEqualTo(1);
    assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void secretsAreSentButNeverShown() {
    server.on("/fail", status(500));
    HttpServiceConnectionManager m = new HttpServiceConnectionManager(HttpServiceConfig.builder("svc")
        .baseUrl(server.url()).bearerToken("tok-SECRET-1").apiKey("key-SECRET-2")
        .retryConfig(fast(0)).build());
    closeMe.add(m);
    m.request("GET", "/ok");
    LoopbackServer.Seen s = server.seen.get(0);
    assertThat(s.header("Authorization")).isEqualTo("Bearer tok-SECRET-1");
    assertThat(s.header("X-API-Key")).isEqualTo("key-SECRET-2");
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> m.request("GET", "/fail?api_key=SECRET-3"));
    assertThat(e).isInstanceOf(HttpStatusException.class).hasMessageContaining("/fail");
    List<String> texts = List.of(m.toString(), m.config().toString(), String.valueOf(e),
        String.valueOf(m.metrics().snapshot()), e.getMessage(), String.valueOf(((HttpStatusException) e).result()));
    assertThat(texts).allSatisfy(t -> assertThat(t).doesNotContain("SECRET"));

    HttpServiceConnectionManager basic = new HttpServiceConnectionManager(HttpServiceConfig.builder("svc2")
        .baseUrl("http://alice:pa55-SECRET@127.0.0.1:" + server.port()).healthPath("/ok").build());
    closeMe.add(basic);
    basic.request("GET", "/ok");
    assertThat(server.seen.get(2).header("Authorization"))
        .isEqualTo("Basic " + java.util.Base64.getEncoder().encodeToString("alice:pa55-SECRET".getBytes()));
    assertThat(basic.toString()).doesNotContain("SECRET");
    assertThat(basic.healthCheck().checkAsync().toCompletableFuture().join().toString())
        .contains("127.0.0.1").doesNotContain("SECRET").doesNotContain("alice");
    assertThat(basic.config().toString()).doesNotContain("SECRET");
    assertThatThrownBy(() -> basic.request("GET", "http://evil.example/x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void asyncRequestsBlockNoThreadAndUseABoundedPool() throws Exception {
    server.on("/held", (ex, b) -> {
      server.hang();
      json(ex, 200, "{}");
    });
    HttpServiceConnectionManager m = manager(fast(0));
    List<CompletableFuture<HttpResult>> fs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      fs.add(m.requestAsync("GET", "/held"));
    }
    // more exchanges held open at once than the client has threads: no thread per call
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.count("GET", "/held"))
        .isEqualTo(100));
    assertThat(fs).noneMatch(CompletableFuture::isDone);
    assertThat(m.clientThreads()).isLessThanOrEqualTo(HttpServiceConnectionManager.MAX_CLIENT_THREADS + 1);
    server.release.countDown();
    for (CompletableFuture<HttpResult> f : fs) {
      assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(m.clientThreads()).isLessThanOrEqualTo(HttpServiceConnectionManager.MAX_CLIENT_THREADS + 1);
  }

  @Test
  void asyncFollowsTheSameRules() throws Exception {
    server.script("/flaky", status(503), status(503));
    server.on("/flaky", (ex, b) -> json(ex, 200, "{\"ok\":true}"));
    server.on("/orders", status(503));
    HttpServiceConnectionManager m = manager(fast(3));
    assertThat(m.requestAsync("GET", "/flaky").get(10, TimeUnit.SECONDS).json().get("ok").asBoolean()).isTrue();
    assertThatThrownBy(() -> m.requestAsync("POST", "/orders", Map.of()).get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(HttpStatusException.class);
    assertThat(server.count("POST", "/orders")).isEqualTo(1);
  }

  @Test
  void stateConnectAndClose() {
    HttpServiceConnectionManager m = manager(fast(0));
    List<ConnectionState> states = new CopyOnWriteArrayList<>();
    m.addStateListener(s -> states.add(s));
    m.connect();
    assertThat(m.metrics().snapshot().connectionDuration()).isNotNull();
    m.close();
    m.close(); // idempotent
    await().atMost(Duration.ofSeconds(5)).until(() -> states.size() == 3);
    assertThat(states).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.CLOSED);
    assertThatThrownBy(() -> m.request("GET", "/ok")).isInstanceOf(IllegalStateException.class);
    assertThat(m.isClosed()).isTrue();
  }

  @Test
  void globalPerServiceIsClosedByLifelineCloseAll() {
    HttpServiceConfig cfg = HttpServiceConfig.builder("search-svc").baseUrl(server.url()).build();
    assertThatThrownBy(() -> HttpServiceConnectionManager.global("search-svc"))
        .isInstanceOf(IllegalStateException.class);
    HttpServiceConnectionManager g = HttpServiceConnectionManager.initializeGlobal(cfg);
    assertThat(HttpServiceConnectionManager.initializeGlobal(cfg)).isSameAs(g);
    assertThat(HttpServiceConnectionManager.global("search-svc")).isSameAs(g);
    assertThat(Lifeline.registered()).contains("http:search-svc");
    Lifeline.closeAll();
    assertThat(g.isClosed()).isTrue();
    assertThat(Lifeline.registered()).doesNotContain("http:search-svc");
    HttpServiceConnectionManager.shutdownGlobal("search-svc"); // idempotent
    HttpServiceConnectionManager again = HttpServiceConnectionManager.initializeGlobal(cfg);
    assertThat(again).isNotSameAs(g);
    HttpServiceConnectionManager.shutdownGlobal("search-svc");
    assertThat(again.isClosed()).isTrue();
  }

  @Test
  void invalidConfigurationNamesTheKey() {
    assertThatThrownBy(() -> HttpServiceConfig.builder("x")
        .apply(Settings.of(Map.of("SVC_URL", "ftp://h")).withPrefix("SVC_")).build())
        .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.key()).isEqualTo("SVC_URL"));
    assertThatThrownBy(() -> HttpServiceConfig.builder("x")
        .apply(Settings.of(Map.of("SVC_URL", "http://h", "SVC_REQUEST_TIMEOUT", "0")).withPrefix("SVC_")).build())
        .isInstanceOfSatisfying(ConfigurationException.class,
            e -> assertThat(e.key()).isEqualTo("SVC_REQUEST_TIMEOUT"));
    assertThatThrownBy(() -> HttpServiceConfig.builder("x")
        .apply(Settings.of(Map.of("SVC_REQUEST_TIMEOUT", "soon")).withPrefix("SVC_")).build())
        .isInstanceOfSatisfying(ConfigurationException.class,
            e -> assertThat(e.key()).isEqualTo("SVC_REQUEST_TIMEOUT"));
    assertThatThrownBy(() -> HttpServiceConfig.builder("x").build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("baseUrl");
    assertThatThrownBy(() -> HttpServiceConfig.builder("x").baseUrl("http://h").maxResponseBytes(0).build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("maxResponseBytes");
  }

  @Test
  void retriesAreBoundedByTheBudgetToo() {
    server.on("/down", status(503));
    HttpServiceConnectionManager m = manager(RetryConfig.builder().maxRetries(50).baseDelay(Duration.ZERO)
        .maxDelay(Duration.ZERO).retryBudgetRatio(0.0).retryBudgetMinPerSecond(1).circuitBreakerThreshold(1000).build());
    assertThatThrownBy(() -> m.request("GET", "/down")).isInstanceOfSatisfying(RetriesExhaustedException.class,
        e -> assertThat(e.budgetExhausted()).isTrue());
    assertThat(server.count("GET", "/down")).isLessThan(51);
    assertThat(RetryBudget.unlimited()).isNotNull();
  }
}
