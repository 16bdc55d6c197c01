package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.spi.CallObserver;
import io.lifeline.core.spi.CallOutcome;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Guard's {@link CallObserver} hook: per call {@code callStarted}, each attempt started and
 * ended in order, one {@code callEnded} with the outcome, sync and async; several observers each get
 * their own token; a detached observer hears nothing more. Durations come from the Guard's ticker.
 */
class GuardObserverTest {

  static final class Recording implements CallObserver {
    final String name;
    final List<String> events = new CopyOnWriteArrayList<>();

    Recording(String name) {
      this.name = name;
    }

    @Override
    public Object callStarted(String guard) {
      events.add("start " + guard);
      return name + "-token";
    }

    @Override
    public void attemptStarted(Object token, int attempt) {
      events.add(token + " attempt " + attempt);
    }

    @Override
    public void attemptEnded(Object token, int attempt, Throwable error) {
      events.add(token + " attempt " + attempt + (error == null ? " ok" : " " + error.getMessage()));
    }

    @Override
    public void callEnded(Object token, long nanos, CallOutcome outcome, Throwable error) {
      events.add(token + " end " + outcome.tag() + (nanos >= 0 ? "" : " negative"));
    }
  }

  private static RetryConfig retries() {
    return RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofMillis(2)).build();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void attemptsAndTheOutcomeAreReportedInOrderToEveryObserver(boolean async) throws Exception {
    Guard g = Guard.builder("observed").retryConfig(retries()).build();
    Recording a = new Recording("a");
    Recording b = new Recording("b");
    g.addCallObserver(a);
    AutoCloseable detachB = g.addCallObserver(b);
    AtomicInteger n = new AtomicInteger();
    if (async) {
      g.callAsync(() -> n.incrementAndGet() < 3 ? CompletableFuture.failedFuture(new IOException("e" + n.get()))
          : CompletableFuture.completedFuture("ok")).join();
    } else {
      g.call(() -> {
        if (n.incrementAndGet() < 3) {
          throw new IOException("e" + n.get());
        }
        return "ok";
      });
    }
    awaitEnded(a);
    awaitEnded(b);
    List<String> expected = List.of("start observed", "%s attempt 1", "%s attempt 1 e1", "%s attempt 2",
        "%s attempt 2 e2", "%s attempt 3", "%s attempt 3 ok", "%s end success");
    assertThat(a.events).containsExactlyElementsOf(expected.stream().map(e -> e.replace("%s", "a-token")).toList());
    assertThat(b.events).containsExactlyElementsOf(expected.stream().map(e -> e.replace("%s", "b-token")).toList());

    detachB.close();
    a.events.clear();
    b.events.clear();
    assertThatThrownBy(() -> g.call(() -> {
      throw new IllegalArgumentException("caller");
    })).isInstanceOf(IllegalArgumentException.class);
    assertThat(a.events).containsExactly("start observed", "a-token attempt 1", "a-token attempt 1 caller",
        "a-token end caller_error");
    assertThat(b.events).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aRejectedCallStartsNoAttemptAndEndsRejectedByBreaker(boolean async) {
    CircuitBreaker breaker = CircuitBreaker.builder("b").withFailureThreshold(1).build();
    Guard g = Guard.builder("rejecting").retryConfig(retries()).circuitBreaker(breaker).build();
    long permit = breaker.tryAcquirePermission();
    breaker.onFailure(permit); // open
    Recording a = new Recording("a");
    g.addCallObserver(a);
    if (async) {
      assertThatThrownBy(() -> g.callAsync(() -> CompletableFuture.completedFuture("x")).join())
          .hasCauseInstanceOf(CircuitOpenException.class);
    } else {
      assertThatThrownBy(() -> g.call(() -> "x")).isInstanceOf(CircuitOpenException.class);
    }
    awaitEnded(a);
    assertThat(a.events).containsExactly("start rejecting", "a-token end rejected_by_breaker");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theDurationIsMeasuredWithTheGuardsTicker(boolean async) {
    FakeTicker ticker = new FakeTicker();
    Guard g = Guard.builder("timed").retryConfig(retries()).ticker(ticker).build();
    java.util.concurrent.atomic.AtomicLong measured = new java.util.concurrent.atomic.AtomicLong(-1);
    g.addCallObserver(new CallObserver() {
      @Override
      public Object callStarted(String guard) {
        return null;
      }

      @Override
      public void callEnded(Object token, long nanos, CallOutcome outcome, Throwable error) {
        measured.set(nanos);
      }
    });
    if (async) {
      g.callAsync(() -> {
        ticker.advance(Duration.ofMillis(7));
        return CompletableFuture.completedFuture("x");
      }).join();
    } else {
      g.call(() -> {
        ticker.advance(Duration.ofMillis(7));
        return "x";
      });
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> measured.get() != -1);
    assertThat(measured.get()).isEqualTo(Duration.ofMillis(7).toNanos());
  }

  /** An async call ends on the thread that completes it, which may be just after join() returned. */
  private static void awaitEnded(Recording r) {
    await().atMost(Duration.ofSeconds(5)).until(() -> r.events.stream().anyMatch(e -> e.contains(" end ")));
  }
}
