package io.lifeline.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.CircuitBreaker;
import io.lifeline.core.ConnectionState;
import io.lifeline.core.RetryConfig;
import io.lifeline.core.ServiceUnavailableException;
import io.lifeline.core.health.CheckResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Answers are reported as what they are, not as "unavailable". Redirects are not followed; a 3xx
 * answer says so (status, reason, sanitized Location) with a typed exception that is a configuration
 * problem, not an outage; a 4xx on the health path is a rejection (credentials, path), not an outage.
 * Real sockets: a loopback JDK HttpServer.
 */
class StatusReportTest {
  /** A Location carrying credentials in the user info and a token in the query. */
  static final String LOCATION = "https://deploy:pa55-SECRET@graphiti.example:8443/v2/search?token=tok-SECRET&x=1#frag";

  final LoopbackServer server;

  StatusReportTest() throws Exception {
    server = new LoopbackServer();
    server.on("/", LoopbackServer.status(302, "Location", LOCATION));
    server.on("/search", LoopbackServer.status(307, "Location", "/search/"));
    server.on("/healthcheck", LoopbackServer.status(301, "Location", "https://graphiti.example/healthcheck"));
    server.on("/nowhere", LoopbackServer.status(303));
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  HttpServiceConnectionManager http() {
    return new HttpServiceConnectionManager(HttpServiceConfig.builder("svc").baseUrl(server.url())
        .retryConfig(RetryConfig.builder().maxRetries(2).baseDelay(Duration.ofMillis(5))
            .circuitBreakerThreshold(3).build())
        .healthPath("/").requestTimeout(Duration.ofSeconds(5)).build());
  }

  GraphitiConnectionManager graphiti() {
    return new GraphitiConnectionManager(GraphitiConfig.builder().url(server.url())
        .retryConfig(RetryConfig.builder().maxRetries(2).baseDelay(Duration.ofMillis(5))
            .circuitBreakerThreshold(3).build()).build());
  }

  static void assertSaysWhatHappened(Throwable t, int status, String reason, String location) {
    assertThat(t).isInstanceOf(HttpRedirectException.class).isNotInstanceOf(ServiceUnavailableException.class);
    HttpRedirectException e = (HttpRedirectException) t;
    assertThat(e.statusCode()).isEqualTo(status);
    assertThat(e.getMessage()).contains("answered " + status + " " + reason + ", redirects are not followed")
        .doesNotContain("unavailable");
    if (location != null) {
      assertThat(e.getMessage()).contains("Location: " + location);
      assertThat(e.location()).contains(location);
    }
    assertThat(e.getMessage()).doesNotContain("SECRET").doesNotContain("pa55");
  }

  @Test
  void requireSuccessSaysRedirectNotUnavailableAndSanitizesTheLocation() {
    try (HttpServiceConnectionManager m = http()) {
      for (int i = 0; i < 5; i++) { // more than the breaker threshold
        HttpResult r = m.request("GET", "/");
        assertThat(r.statusCode()).isEqualTo(302); // the answer itself is returned as it is
        assertThatThrownBy(() -> HttpServiceConnectionManager.requireSuccess(r)).satisfies(t ->
            assertSaysWhatHappened(t, 302, "Found", "https://deploy:****@graphiti.example:8443/v2/search?…"));
      }
      assertThat(server.count("GET", "/")).isEqualTo(5); // not retried
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(m.metrics().failedConnections()).isZero();
      assertThat(m.httpMetrics().redirects()).isEqualTo(5);
    }
  }

  @Test
  void withoutLocationItSaysSo() {
    try (HttpServiceConnectionManager m = http()) {
      HttpResult r = m.request("GET", "/nowhere");
      assertThatThrownBy(() -> HttpServiceConnectionManager.requireSuccess(r)).satisfies(t -> {
        assertSaysWhatHappened(t, 303, "See Other", null);
        assertThat(t.getMessage()).contains("no Location");
      });
    }
  }

  @Test
  void graphitiTypedMethodsSyncAndAsyncSayRedirect() {
    try (GraphitiConnectionManager g = graphiti()) {
      for (int i = 0; i < 4; i++) {
        assertThatThrownBy(() -> g.search(List.of("g"), "q", 3))
            .satisfies(t -> assertSaysWhatHappened(t, 307, "Temporary Redirect", "/search/"));
        assertThatThrownBy(() -> g.searchAsync(new Graphiti.SearchQuery(List.of("g"), "q", 3)).get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).extracting(Throwable::getCause)
            .satisfies(t -> assertSaysWhatHappened(t, 307, "Temporary Redirect", "/search/"));
      }
      assertThat(g.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(server.count("POST", "/search")).isEqualTo(8);
    }
  }

  @Test
  void connectAndHealthCheckReportTheRedirectClearly() throws Exception {
    try (HttpServiceConnectionManager m = http()) {
      assertThatThrownBy(m::connect)
          .satisfies(t -> assertSaysWhatHappened(t, 302, "Found", "https://deploy:****@graphiti.example:8443/v2/search?…"));
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
      CheckResult r = m.healthCheck().checkAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.DOWN);
      assertThat(r.error()).contains("answered 302 Found, redirects are not followed, Location: https://deploy:****@graphiti.example:8443/v2/search?…")
          .doesNotContain("SECRET");
      assertThat(r.details()).containsEntry("status", 302)
          .containsEntry("location", "https://deploy:****@graphiti.example:8443/v2/search?…");
    }
    try (GraphitiConnectionManager g = graphiti()) {
      CheckResult r = g.healthCheck().checkAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(r.outcome()).isEqualTo(CheckResult.Outcome.DOWN);
      assertThat(r.error()).contains("answered 301 Moved Permanently, redirects are not followed, Location: https://graphiti.example/healthcheck");
    }
  }

  @Test
  void elasticsearchAndMilvusChecksReportTheRedirectClearly() throws Exception {
    server.on("/_cluster/health", LoopbackServer.status(308, "Location", LOCATION));
    CheckResult es = ServiceHealthChecksTest.run(ServiceHealthChecks.elasticsearch(server.url()).build());
    assertThat(es.outcome()).isEqualTo(CheckResult.Outcome.DOWN);
    assertThat(es.error()).contains("answered 308 Permanent Redirect, redirects are not followed, Location: https://deploy:****@graphiti.example:8443/v2/search?…")
        .doesNotContain("SECRET");
    server.on("/healthz", LoopbackServer.status(302, "Location", "http://milvus.internal:9091/healthz"));
    CheckResult milvus = ServiceHealthChecksTest.run(ServiceHealthChecks.milvus(server.url()).build());
    assertThat(milvus.error()).contains("answered 302 Found, redirects are not followed, Location: http://milvus.internal:9091/healthz");
  }

  @Test
  void connectSaysRejectedNotUnavailableForA4xxOnTheHealthPath() {
    server.on("/", LoopbackServer.status(401));
    try (HttpServiceConnectionManager m = http()) {
      assertThatThrownBy(m::connect)
          .isInstanceOfSatisfying(HttpRequestRejectedException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.getMessage()).contains("GET / rejected with status 401 Unauthorized");
          });
      assertThat(m.state()).isEqualTo(ConnectionState.FAILED);
      assertThat(m.guard().circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }
}
