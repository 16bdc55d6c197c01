package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Guard.Builder#retryAfter}: a server-provided delay replaces the backoff, capped at maxDelay. */
class GuardRetryAfterTest {

  /** Records the delay of every task scheduled on it, and runs the tasks at once. */
  static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
    final List<Long> delaysNanos = new CopyOnWriteArrayList<>();

    RecordingScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      delaysNanos.add(unit.toNanos(delay));
      return super.schedule(command, 0, TimeUnit.NANOSECONDS);
    }
  }

  /** A retriable failure carrying the server's hint. */
  static final class Hinted extends IOException {
    final Duration hint;

    Hinted(Duration hint) {
      super("busy");
      this.hint = hint;
    }
  }

  private final RecordingScheduler scheduler = new RecordingScheduler();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private Guard guard(RetryConfig cfg) {
    return Guard.builder("svc").retryConfig(cfg).scheduler(scheduler).retryExecutor(Runnable::run)
        .retryBudget(RetryBudget.unlimited())
        .retryAfter(t -> t instanceof Hinted ? ((Hinted) t).hint : null).build();
  }

  private static RetryConfig cfg(Duration base, Duration max) {
    return RetryConfig.builder().maxRetries(3).baseDelay(base).maxDelay(max).jitter(false).build();
  }

  /** Fails with {@code failures} in turn, then succeeds. */
  private static CompletableFuture<String> failing(AtomicInteger calls, Throwable... failures) {
    int n = calls.getAndIncrement();
    return n < failures.length ? CompletableFuture.failedFuture(failures[n])
        : CompletableFuture.completedFuture("ok");
  }

  @Test
  void hintReplacesBackoffAndIsCappedAtMaxDelay() throws Exception {
    Guard g = guard(cfg(Duration.ofMillis(100), Duration.ofSeconds(5)));
    AtomicInteger calls = new AtomicInteger();
    String r = g.callAsync(() -> failing(calls, new Hinted(Duration.ofSeconds(2)),
        new Hinted(Duration.ofHours(1)), new IOException("no hint"))).get(10, TimeUnit.SECONDS);
    assertThat(r).isEqualTo("ok");
    assertThat(scheduler.delaysNanos).containsExactly(
        Duration.ofSeconds(2).toNanos(), // server's value, not the 100 ms backoff
        Duration.ofSeconds(5).toNanos(), // 1 h capped at maxDelay
        Duration.ofMillis(400).toNanos()); // no hint: backoff 100 ms * 2^2
  }

  @Test
  void negativeHintMeansRetryAtOnceAndAThrowingHintFallsBackToBackoff() throws Exception {
    Guard g = Guard.builder("svc").retryConfig(cfg(Duration.ofMillis(100), Duration.ofSeconds(5)))
        .scheduler(scheduler).retryExecutor(Runnable::run).retryBudget(RetryBudget.unlimited())
        .retryAfter(t -> {
          if (t.getMessage().equals("boom")) {
            throw new IllegalStateException("hint broke");
          }
          return Duration.ofSeconds(-3);
        }).build();
    AtomicInteger calls = new AtomicInteger();
    IOException first = new IOException("neg");
    IOException second = new IOException("boom");
    assertThat(g.callAsync(() -> failing(calls, first, second)).get(10, TimeUnit.SECONDS)).isEqualTo("ok");
    assertThat(scheduler.delaysNanos).containsExactly(0L, Duration.ofMillis(200).toNanos());
    assertThat(second.getSuppressed()).hasSize(1);
    assertThat(second.getSuppressed()[0]).hasMessage("hint broke");
  }

  @Test
  void hintStillCountsAgainstMaxRetries() {
    Guard g = guard(cfg(Duration.ofMillis(1), Duration.ofMillis(5)));
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f = g.callAsync(() -> {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new Hinted(Duration.ZERO));
    });
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RetriesExhaustedException.class);
    assertThat(calls).hasValue(4);
  }

  @Test
  void hintBeyondTheDeadlineEndsTheCallAtOnceWithoutSleeping() {
    Guard g = Guard.builder("svc").retryConfig(cfg(Duration.ofMillis(1), Duration.ofSeconds(60)))
        .timeout(Duration.ofSeconds(2)).retryBudget(RetryBudget.unlimited())
        .retryAfter(t -> Duration.ofSeconds(30)).build();
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    assertThatThrownBy(() -> g.call(() -> {
      calls.incrementAndGet();
      throw new IOException("503");
    })).isInstanceOf(CallTimeoutException.class);
    assertThat(calls).hasValue(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void syncPathSleepsTheHintNotTheBackoff() {
    // backoff would be 20 s; the server says 10 ms
    Guard g = Guard.builder("svc").retryConfig(cfg(Duration.ofSeconds(20), Duration.ofSeconds(30)))
        .retryBudget(RetryBudget.unlimited()).retryAfter(t -> Duration.ofMillis(10)).build();
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    String r = g.call(() -> {
      if (calls.incrementAndGet() < 3) {
        throw new IOException("429");
      }
      return "ok";
    });
    assertThat(r).isEqualTo("ok");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void retryAfterMaySetOnlyOnce() {
    Guard.Builder b = Guard.builder("svc").retryAfter(t -> null);
    assertThatThrownBy(() -> b.retryAfter(t -> null)).isInstanceOf(IllegalStateException.class);
  }
}
