package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GuardTest {

  /** Every behaviour runs through the sync and the async path. */
  enum Mode {
    SYNC {
      @Override
      <T> T call(Guard g, Callable<T> op) {
        return g.call(op);
      }
    },
    ASYNC {
      @Override
      <T> T call(Guard g, Callable<T> op) {
        CompletableFuture<T> f = g.callAsync(() -> {
          try {
            return CompletableFuture.completedFuture(op.call());
          } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
          }
        });
        try {
          return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException) {
            throw (RuntimeException) c;
          }
          throw new CompletionException(c);
        } catch (InterruptedException | TimeoutException e) {
          throw new AssertionError(e);
        }
      }
    };

    abstract <T> T call(Guard g, Callable<T> op);
  }

  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

  {
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static RetryConfig fast(int maxRetries, int threshold) {
    return RetryConfig.builder().maxRetries(maxRetries).baseDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofMillis(5)).circuitBreakerThreshold(threshold).build();
  }

  private Guard guard(RetryConfig cfg) {
    return Guard.builder("svc").retryConfig(cfg).scheduler(scheduler).build();
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void deadDependencyGetsExactlyMaxRetriesPlusOneAttempts(Mode mode) {
    for (int maxRetries : new int[] {0, 1, 3, 5}) {
      Guard g = guard(fast(maxRetries, 100));
      AtomicInteger attempts = new AtomicInteger();
      assertThatThrownBy(() -> mode.call(g, () -> {
        attempts.incrementAndGet();
        throw new ConnectException("Connection refused");
      })).isInstanceOf(RetriesExhaustedException.class)
          .hasMessageContaining("'svc' unavailable: " + (maxRetries + 1) + " attempt")
          .hasRootCauseInstanceOf(ConnectException.class)
          .satisfies(e -> assertThat(((RetriesExhaustedException) e).attempts()).isEqualTo(maxRetries + 1));
      assertThat(attempts.get()).as("maxRetries=%d", maxRetries).isEqualTo(maxRetries + 1);
      ConnectionMetrics.Snapshot m = g.metrics().snapshot();
      assertThat(m.failedConnections()).isEqualTo(maxRetries + 1);
      assertThat(m.totalRetries()).isEqualTo(maxRetries);
      assertThat(m.lastError()).isEqualTo("ConnectException: Connection refused");
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void transientFailureIsRetriedThenSucceeds(Mode mode) {
    Guard g = guard(fast(5, 100));
    AtomicInteger attempts = new AtomicInteger();
    String r = mode.call(g, () -> {
      if (attempts.incrementAndGet() < 3) {
        throw new IOException("flaky");
      }
      return "ok";
    });
    assertThat(r).isEqualTo("ok");
    assertThat(attempts).hasValue(3);
    assertThat(g.metrics().snapshot().successfulConnections()).isEqualTo(1);
    assertThat(g.metrics().snapshot().totalRetries()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void callerErrorsAreNeitherRetriedNorTripTheBreaker(Mode mode) {
    Guard g = guard(fast(5, 1));
    AtomicInteger attempts = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> mode.call(g, () -> {
        attempts.incrementAndGet();
        throw new IllegalArgumentException("bad id");
      })).isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("bad id");
    }
    assertThat(attempts).hasValue(3);
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(g.metrics().snapshot().failedConnections()).isZero();
  }

  static final class AuthenticationException extends RuntimeException {
    AuthenticationException(String m) {
      super(m);
    }
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void authFailuresAreNotRetriedEvenWhenWrappedInIo(Mode mode) {
    Guard g = guard(fast(5, 1));
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> mode.call(g, () -> {
      attempts.incrementAndGet();
      throw new IOException("handshake", new AuthenticationException("wrong password"));
    })).isInstanceOf(Exception.class);
    assertThat(attempts).hasValue(1);
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void neverRetriesOnceTheBreakerOpens(Mode mode) {
    Guard g = guard(fast(5, 2));
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> mode.call(g, () -> {
      attempts.incrementAndGet();
      throw new IOException("down");
    })).isInstanceOf(CircuitOpenException.class).hasRootCauseMessage("down");
    assertThat(attempts).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void openBreakerRejectsAtOnceWithoutTouchingTheDependency(Mode mode) {
    Guard g = guard(fast(0, 1));
    assertThatThrownBy(() -> mode.call(g, () -> {
      throw new IOException("down");
    })).isInstanceOf(RetriesExhaustedException.class);
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
    AtomicInteger attempts = new AtomicInteger();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> mode.call(g, attempts::incrementAndGet))
        .isInstanceOf(CircuitOpenException.class)
        .hasMessageContaining("circuit breaker is OPEN")
        .satisfies(e -> assertThat(((CircuitOpenException) e).retryAfter()).isPresent());
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    assertThat(attempts).hasValue(0);
    assertThat(g.metrics().snapshot().rejectedCalls()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aNestedGuardsFailureIsNotRetriedAgain(Mode mode) {
    Guard inner = guard(fast(2, 100));
    Guard outer = guard(fast(3, 100));
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> mode.call(outer, () -> inner.call(() -> {
      attempts.incrementAndGet();
      throw new IOException("down");
    }))).isInstanceOf(RetriesExhaustedException.class);
    assertThat(attempts).hasValue(3); // the inner guard's 2 + 1, not multiplied by the outer's 4
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void otherCheckedFailuresCountButAreNotRetried(Mode mode) {
    Guard g = guard(fast(5, 100));
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> mode.call(g, () -> {
      attempts.incrementAndGet();
      throw new Exception("protocol violation");
    })).isExactlyInstanceOf(ServiceUnavailableException.class)
        .hasMessage("'svc' unavailable: call failed (cause: Exception: protocol violation)");
    assertThat(attempts).hasValue(1);
    assertThat(g.circuitBreaker().consecutiveFailures()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void customPredicateDecidesWhatIsRetried(Mode mode) {
    Guard g = Guard.builder("p").retryConfig(fast(2, 100)).scheduler(scheduler)
        .retryOn(e -> e instanceof IllegalStateException).build();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> mode.call(g, () -> {
      attempts.incrementAndGet();
      throw new IllegalStateException("busy");
    })).isInstanceOf(RetriesExhaustedException.class);
    assertThat(attempts).hasValue(3);
  }

  @Test
  void checkedCallerErrorsAreWrappedWithTheOriginalAsCause() {
    Guard g = Guard.builder("c").retryConfig(fast(2, 100)).classifier(e -> ErrorClass.CALLER_ERROR).build();
    Exception original = new java.sql.SQLException("syntax error", "42601");
    assertThatThrownBy(() -> g.call(() -> {
      throw original;
    })).isInstanceOf(CallFailedException.class).hasCause(original);
  }

  @Test
  void syncAttemptTimeoutInterruptsAHungCallAndLeavesNoInterruptBehind() {
    Guard g = Guard.builder("slow").retryConfig(fast(1, 100)).scheduler(scheduler)
        .attemptTimeout(Duration.ofMillis(100)).build();
    AtomicInteger attempts = new AtomicInteger();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> g.call(() -> {
      attempts.incrementAndGet();
      new CountDownLatch(1).await(); // hangs until interrupted
      return "never";
    })).isInstanceOf(RetriesExhaustedException.class).hasCauseInstanceOf(TimeoutException.class);
    long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    assertThat(attempts).hasValue(2);
    assertThat(ms).isBetween(200L, 5_000L);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    // and a fast call under the same guard is unaffected
    assertThat(g.call(() -> "fast")).isEqualTo("fast");
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }

  @Test
  void syncDeadlineBoundsTheWholeCall() {
    RetryConfig slowBackoff = RetryConfig.builder().maxRetries(5).baseDelay(Duration.ofSeconds(10))
        .jitter(false).build();
    Guard g = Guard.builder("deadline").retryConfig(slowBackoff).scheduler(scheduler)
        .timeout(Duration.ofMillis(300)).build();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> g.call(() -> {
      throw new IOException("down");
    })).isInstanceOf(CallTimeoutException.class).hasMessageContaining("no success within 300ms (1 attempt)");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void interruptDuringBackoffStopsTheCallAndKeepsTheFlag() throws Exception {
    RetryConfig slow = RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofSeconds(30)).jitter(false).build();
    Guard g = guard(slow);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    AtomicInteger attempts = new AtomicInteger();
    Thread t = new Thread(() -> {
      try {
        g.call(() -> {
          attempts.incrementAndGet();
          throw new IOException("down");
        });
      } catch (Throwable e) {
        thrown.set(e);
        flag.set(Thread.currentThread().isInterrupted());
      }
    });
    t.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.TIMED_WAITING);
    t.interrupt();
    t.join(5_000);
    assertThat(thrown.get()).isInstanceOf(CallFailedException.class);
    assertThat(flag.get()).isTrue();
    assertThat(attempts).hasValue(1);
  }

  @Test
  void asyncRetriesAreScheduledAndCancellingCancelsThePendingRetry() {
    RetryConfig slow = RetryConfig.builder().maxRetries(3).baseDelay(Duration.ofSeconds(60)).jitter(false).build();
    Guard g = guard(slow);
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> f = g.callAsync(() -> {
      attempts.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("down"));
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.getQueue().size() == 1);
    assertThat(f).isNotDone();
    assertThat(f.cancel(true)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.getQueue().isEmpty());
    assertThat(attempts).hasValue(1);
    assertThat(scheduler.getCompletedTaskCount()).isZero();
  }

  @Test
  void asyncAttemptTimeoutCancelsTheHungAttemptAndRetries() {
    Guard g = Guard.builder("hang").retryConfig(fast(2, 100)).scheduler(scheduler)
        .attemptTimeout(Duration.ofMillis(50)).build();
    AtomicInteger attempts = new AtomicInteger();
    java.util.List<CompletableFuture<String>> inFlight = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<String> f = g.callAsync(() -> {
      attempts.incrementAndGet();
      CompletableFuture<String> never = new CompletableFuture<>();
      inFlight.add(never);
      return never;
    });
    await().atMost(Duration.ofSeconds(5)).until(f::isDone);
    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join).hasCauseInstanceOf(RetriesExhaustedException.class)
        .hasRootCauseInstanceOf(TimeoutException.class);
    assertThat(attempts).hasValue(3);
    assertThat(inFlight).hasSize(3).allSatisfy(c -> assertThat(c).isCancelled());
  }

  @Test
  void asyncDeadlineCompletesTheFutureOnTime() {
    RetryConfig slow = RetryConfig.builder().maxRetries(5).baseDelay(Duration.ofSeconds(60)).jitter(false).build();
    Guard g = Guard.builder("d").retryConfig(slow).scheduler(scheduler).timeout(Duration.ofMillis(200)).build();
    CompletableFuture<String> never = new CompletableFuture<>();
    long t0 = System.nanoTime();
    CompletableFuture<String> f = g.callAsync(() -> never);
    await().atMost(Duration.ofSeconds(5)).until(f::isDone);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
    assertThatThrownBy(f::join).hasCauseInstanceOf(CallTimeoutException.class);
    assertThat(never).isCancelled();
    // the attempt that ran into the deadline counts against the breaker, as in the sync path
    assertThat(g.circuitBreaker().consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void asyncFirstAttemptRunsOnTheCallerAndRetriesNeverBlockAPoolThread() {
    Guard g = guard(fast(2, 100));
    java.util.List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<String> f = g.callAsync(() -> {
      threads.add(Thread.currentThread().getName());
      return threads.size() < 3 ? CompletableFuture.failedFuture(new IOException("x"))
          : CompletableFuture.completedFuture("done");
    });
    assertThat(f.join()).isEqualTo("done");
    assertThat(threads.get(0)).isEqualTo(Thread.currentThread().getName());
    // retries are timed by the scheduler but run on the retry executor, never on the scheduler thread
    assertThat(threads.subList(1, 3)).allSatisfy(n -> assertThat(n).startsWith("lifeline-retry-"));
    // the scheduler counts a task as completed only after it returned, which may be after the retry
    // it handed off has already finished the call
    await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.getCompletedTaskCount() == 2);
  }

  @Test
  void asyncSupplierThatThrowsIsAFailedAttempt() {
    Guard g = guard(fast(1, 100));
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> f = g.callAsync(() -> {
      attempts.incrementAndGet();
      throw new java.io.UncheckedIOException(new IOException("no route"));
    });
    assertThatThrownBy(f::join).hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(attempts).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aThrowingClassifierNeverLeaksAProbePermit(Mode mode) {
    FakeTicker ticker = new FakeTicker();
    Guard g = Guard.builder("cls").retryConfig(fast(3, 1)).scheduler(scheduler).ticker(ticker)
        .classifier(e -> {
          throw new IllegalStateException("classifier bug");
        }).build();
    for (int round = 0; round < 3; round++) {
      assertThatThrownBy(() -> mode.call(g, () -> {
        throw new IOException("down");
      })).isInstanceOf(ServiceUnavailableException.class);
      // the failure was reported: the breaker is OPEN, not stuck HALF_OPEN with a lost probe
      assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
      ticker.advance(RetryConfig.DEFAULT_CIRCUIT_BREAKER_TIMEOUT);
    }
    assertThat(mode.call(g, () -> "up")).isEqualTo("up");
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void anInterruptedCallIsNotRetriedNorCountedAndKeepsTheFlag() {
    Guard g = guard(fast(5, 1));
    AtomicInteger attempts = new AtomicInteger();
    try {
      assertThatThrownBy(() -> g.call(() -> {
        attempts.incrementAndGet();
        Thread.currentThread().interrupt(); // as NIO does before throwing ClosedByInterruptException
        throw new java.nio.channels.ClosedByInterruptException();
      })).isInstanceOf(CallFailedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(attempts).hasValue(1);
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void asyncCallsWithOnlyADeadlineStillOpenTheBreakerOnHungAttempts() {
    Guard g = Guard.builder("hung").retryConfig(fast(0, 3)).scheduler(scheduler)
        .timeout(Duration.ofMillis(50)).build();
    for (int i = 0; i < 3; i++) {
      CompletableFuture<String> f = g.callAsync(CompletableFuture::new);
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    }
    assertThat(g.circuitBreaker().state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(g.metrics().snapshot().failedConnections()).isEqualTo(3);
    assertThat(g.metrics().snapshot().lastError()).startsWith("TimeoutException");
  }

  @Test
  void secretsInNamesAndCausesNeverReachMessages() {
    Guard g = Guard.builder("redis://:s3cret@cache:6379").retryConfig(fast(0, 100)).build();
    assertThatThrownBy(() -> g.call(() -> {
      throw new IOException("auth to postgres://app:hunter2@db/app failed");
    })).isInstanceOf(RetriesExhaustedException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret", "hunter2").contains("cache:6379"));
    assertThat(g.metrics().snapshot().lastError()).doesNotContain("hunter2");
    ConfigurationException ce = new ConfigurationException("url", "postgres://app:hunter2@db/app", "must be jdbc:");
    assertThat(ce.getMessage()).doesNotContain("hunter2");
    assertThat(ce.value()).doesNotContain("hunter2");
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> Guard.builder(" ")).isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> Guard.builder("x").timeout(Duration.ZERO))
        .hasMessage("timeout=0ms: must be > 0 and <= 365 days");
    assertThatThrownBy(() -> Guard.builder("x").attemptTimeout(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(ConfigurationException.class);
    assertThatThrownBy(() -> Guard.builder("x").retryConfig(RetryConfig.defaults()).retryConfig(RetryConfig.defaults()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void sharedBudgetAndBreakerAcrossGuards() {
    CircuitBreaker shared = CircuitBreaker.builder("db").withFailureThreshold(2).build();
    Guard a = Guard.builder("a").retryConfig(fast(0, 100)).circuitBreaker(shared).build();
    Guard b = Guard.builder("b").retryConfig(fast(0, 100)).circuitBreaker(shared).build();
    assertThatThrownBy(() -> a.call(() -> {
      throw new IOException("x");
    })).isInstanceOf(RetriesExhaustedException.class);
    assertThatThrownBy(() -> b.call(() -> {
      throw new IOException("x");
    })).isInstanceOf(RetriesExhaustedException.class);
    assertThat(shared.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThatThrownBy(() -> a.call(() -> "x")).isInstanceOf(CircuitOpenException.class);
  }
}
