package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void tenThousandFailingCallsCannotMultiplyLoad() {
    FakeTicker ticker = new FakeTicker();
    RetryConfig cfg = RetryConfig.builder().maxRetries(5).baseDelay(Duration.ZERO)
        .circuitBreakerThreshold(1_000_000).build();
    Guard guard = Guard.builder("dead").retryConfig(cfg).ticker(ticker).build();
    AtomicLong attempts = new AtomicLong();
    int calls = 10_000;
    for (int i = 0; i < calls; i++) {
      try {
        guard.call(() -> {
          attempts.incrementAndGet();
          throw new IOException("connection refused");
        });
      } catch (RetriesExhaustedException expected) {
        // each call ends here
      }
    }
    double share = cfg.retryBudgetRatio();
    long floor = (long) cfg.retryBudgetMinPerSecond() * cfg.retryBudgetWindow().toSeconds();
    assertThat(attempts.get()).isLessThanOrEqualTo((long) (calls * (1 + share)) + floor);
    // and the budget did allow retries: it is a cap, not a ban
    assertThat(attempts.get()).isGreaterThan(calls + (long) (calls * share) / 2);
    assertThat(guard.metrics().snapshot().budgetRefusals()).isPositive();
  }

  @Test
  void floorAllowsRetriesForQuietCallers() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.2, 10, Duration.ofSeconds(10), ticker);
    b.recordCall();
    int granted = 0;
    while (b.tryAcquireRetry()) {
      granted++;
    }
    assertThat(granted).isEqualTo(100); // 10/s × 10 s, plus floor(0.2 × 1) = 0
  }

  @Test
  void ratioScalesWithCalls() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.2, 0, Duration.ofSeconds(10), ticker);
    for (int i = 0; i < 1_000; i++) {
      b.recordCall();
    }
    int granted = 0;
    while (b.tryAcquireRetry()) {
      granted++;
    }
    assertThat(granted).isEqualTo(200);
    assertThat(b.remaining()).isZero();
    assertThat(b.callsInWindow()).isEqualTo(1_000);
    assertThat(b.retriesInWindow()).isEqualTo(200);
  }

  @Test
  void oldCallsAndRetriesLeaveTheWindow() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.5, 0, Duration.ofSeconds(10), ticker);
    for (int i = 0; i < 100; i++) {
      b.recordCall();
    }
    assertThat(b.remaining()).isEqualTo(50);
    ticker.advance(Duration.ofSeconds(5));
    assertThat(b.callsInWindow()).isEqualTo(100);
    ticker.advance(Duration.ofSeconds(6));
    assertThat(b.callsInWindow()).isZero();
    assertThat(b.tryAcquireRetry()).isFalse();
    // a very long pause: buckets from long ago never come back
    ticker.advance(Duration.ofDays(30));
    assertThat(b.callsInWindow()).isZero();
    b.recordCall();
    b.recordCall();
    assertThat(b.callsInWindow()).isEqualTo(2);
    assertThat(b.remaining()).isEqualTo(1);
  }

  @Test
  void concurrentRetriesNeverExceedTheBudget() throws Exception {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.1, 0, Duration.ofSeconds(10), ticker);
    for (int i = 0; i < 10_000; i++) {
      b.recordCall();
    }
    int threads = 4;
    AtomicInteger granted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      ts[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 2_000; i++) {
          if (b.tryAcquireRetry()) {
            granted.incrementAndGet();
          }
        }
      });
      ts[t].start();
    }
    start.countDown();
    for (Thread t : ts) {
      t.join();
    }
    assertThat(granted.get()).isEqualTo(1_000);
  }

  @Test
  void concurrentCallsAreAllCounted() throws Exception {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.2, 0, Duration.ofSeconds(10), ticker);
    Thread[] ts = new Thread[4];
    for (int t = 0; t < ts.length; t++) {
      ts[t] = new Thread(() -> {
        for (int i = 0; i < 25_000; i++) {
          b.recordCall();
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    assertThat(b.callsInWindow()).isEqualTo(100_000);
  }

  @Test
  void worksWithNegativeNanoTime() {
    Ticker negative = () -> -5_000_000_000L;
    RetryBudget b = RetryBudget.of(1.0, 0, Duration.ofSeconds(10), negative);
    b.recordCall();
    assertThat(b.callsInWindow()).isEqualTo(1);
    assertThat(b.tryAcquireRetry()).isTrue();
    assertThat(b.tryAcquireRetry()).isFalse();
  }

  @Test
  void callsOfALongHealthyStretchAreNotCreditedToALaterOutage() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.2, 0, Duration.ofSeconds(10), ticker);
    ticker.advance(Duration.ofHours(1)); // an hour in which nothing failed (nobody read the clock)
    for (int i = 0; i < 1_000; i++) {
      b.recordCall();
    }
    // the first failure starts the window afresh: the success path never read the clock, so those
    // calls sit in an epoch an hour old and are conservatively not counted
    assertThat(b.tryAcquireRetry()).isFalse();
    // from here on, calls are counted in the current window
    for (int i = 0; i < 100; i++) {
      b.recordCall();
    }
    assertThat(b.remaining()).isEqualTo(20);
  }

  @Test
  void stillLimitsRetriesAfterMonthsWithoutAnIncident() {
    FakeTicker ticker = new FakeTicker();
    RetryBudget b = RetryBudget.of(0.0, 1, Duration.ofSeconds(10), ticker); // 10 retries per window
    for (long days : new long[] {0, 1, 97, 100, 150, 194, 200, 400}) {
      ticker.advance(Duration.ofDays(days));
      int granted = 0;
      for (int i = 0; i < 1_000; i++) {
        if (b.tryAcquireRetry()) {
          granted++;
        }
      }
      assertThat(granted).as("after %d more days", days).isEqualTo(10);
      ticker.advance(Duration.ofSeconds(11));
    }
  }

  @Test
  void unlimitedAlwaysGrants() {
    RetryBudget b = RetryBudget.unlimited();
    for (int i = 0; i < 1_000; i++) {
      assertThat(b.tryAcquireRetry()).isTrue();
    }
    assertThat(b.isUnlimited()).isTrue();
  }
}
