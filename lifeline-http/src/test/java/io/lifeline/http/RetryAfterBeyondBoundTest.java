package io.lifeline.http;

import static io.lifeline.http.LoopbackServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lifeline.core.RetryConfig;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@code Retry-After} longer than {@code maxDelay} says the server will not be ready within our
 * bound: the call fails at once with the hint instead of waiting {@code maxDelay} and retrying.
 * Real sockets: a loopback JDK HttpServer answering 503/429.
 */
class RetryAfterBeyondBoundTest {
  static final Duration MAX_DELAY = Duration.ofSeconds(4);

  final LoopbackServer server;
  final HttpServiceConnectionManager manager;

  RetryAfterBeyondBoundTest() throws Exception {
    server = new LoopbackServer();
    // maxDelay 4 s, 3 retries: waiting out the hint would take >= 12 s and 4 attempts
    manager = new HttpServiceConnectionManager(HttpServiceConfig.builder("busy-svc").baseUrl(server.url())
        .retryConfig(RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(5)).maxDelay(MAX_DELAY)
            .circuitBreakerThreshold(100).build())
        .requestTimeout(Duration.ofSeconds(5)).build());
  }

  @AfterEach
  void tearDown() {
    manager.close();
    server.close();
  }

  static String httpDateIn(Duration d) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(
        ZonedDateTime.now(ZoneOffset.UTC).plus(d).truncatedTo(ChronoUnit.SECONDS));
  }

  static String header(String form) {
    return form.equals("seconds") ? "120" : httpDateIn(Duration.ofSeconds(120));
  }

  @ParameterizedTest(name = "{0} with Retry-After as {1}, sync")
  @CsvSource({"503, seconds", "503, http-date", "429, seconds", "429, http-date"})
  void failsAtOnceWithTheHintSync(int status, String form) {
    server.on("/slow-start", status(status, "Retry-After", header(form)));
    long start = System.nanoTime();
    assertThatThrownBy(() -> manager.request("GET", "/slow-start"))
        .isInstanceOfSatisfying(HttpStatusException.class, e -> assertHint(e, status));
    assertPrompt(start);
  }

  @ParameterizedTest(name = "{0} with Retry-After as {1}, async")
  @CsvSource({"503, seconds", "503, http-date", "429, seconds", "429, http-date"})
  void failsAtOnceWithTheHintAsync(int status, String form) {
    server.on("/slow-start", status(status, "Retry-After", header(form)));
    long start = System.nanoTime();
    assertThatThrownBy(() -> manager.requestAsync("GET", "/slow-start").get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .extracting(Throwable::getCause)
        .isInstanceOfSatisfying(HttpStatusException.class, e -> assertHint(e, status));
    assertPrompt(start);
  }

  void assertHint(HttpStatusException e, int status) {
    assertThat(e.statusCode()).isEqualTo(status);
    assertThat(e.retryAfter()).hasValueSatisfying(d ->
        assertThat(d.toMillis()).isCloseTo(120_000L, within(2_000L)));
    assertThat(e.getMessage()).contains("Retry-After").contains("exceeds maxDelay 4s").contains("not retried");
  }

  void assertPrompt(long startNanos) {
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    assertThat(took).as("returns well under maxDelay").isLessThan(MAX_DELAY.dividedBy(2));
    assertThat(server.count("GET", "/slow-start")).as("attempts").isEqualTo(1);
    assertThat(manager.httpMetrics().retryAfterBeyondMaxDelay()).isEqualTo(1);
    assertThat(manager.metrics().totalRetries()).isZero();
  }

  @Test
  void aHintWithinMaxDelayIsStillWaitedAndRetried() {
    server.script("/warming", status(503, "Retry-After", "1"));
    server.on("/warming", status(200));
    long start = System.nanoTime();
    assertThat(manager.request("GET", "/warming").statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(server.count("GET", "/warming")).isEqualTo(2);
    assertThat(manager.httpMetrics().retryAfterBeyondMaxDelay()).isZero();
  }

  @Test
  void aCallThatMayNotBeRetriedAnywayIsNotCountedAsRefused() {
    server.on("/orders", status(503, "Retry-After", "120"));
    assertThatThrownBy(() -> manager.request("POST", "/orders", java.util.Map.of("id", 1)))
        .isInstanceOfSatisfying(HttpStatusException.class, e -> {
          assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
          assertThat(e.getMessage()).doesNotContain("exceeds maxDelay");
        });
    assertThat(manager.httpMetrics().retryAfterBeyondMaxDelay()).isZero();
  }
}
