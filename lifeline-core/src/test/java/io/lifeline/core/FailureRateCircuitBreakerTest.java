package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lifeline.core.CircuitBreaker.SlidingWindowType;
import io.lifeline.core.CircuitBreaker.State;
import io.lifeline.core.CircuitBreaker.Transition;
import io.lifeline.core.internal.AtomicCircuitBreaker;
import io.lifeline.core.internal.SlidingWindow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The failure-rate mode: Resilience4j's CLOSED-state rules, checked step by step with a fake clock. */
class FailureRateCircuitBreakerTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ConcurrentLinkedQueue<Transition> events = new ConcurrentLinkedQueue<>();

  private CircuitBreaker.Builder builder() {
    return CircuitBreaker.builder("db").withTicker(ticker).withEventExecutor(Runnable::run)
        .withOpenTimeout(Duration.ofSeconds(30));
  }

  private CircuitBreaker watched(CircuitBreaker b) {
    b.addListener(events::add);
    return b;
  }

  private static void run(CircuitBreaker b, String script) {
    for (char c : script.toCharArray()) {
      long p = b.tryAcquirePermission();
      assertThat(p).as("permit for '%s' in %s", c, script).isNotNegative();
      if (c == 'f') {
        b.onFailure(p);
      } else {
        b.onSuccess(p);
      }
    }
  }

  private static long counts(CircuitBreaker b) {
    return ((AtomicCircuitBreaker) b).windowCounts();
  }

  private List<String> transitions() {
    return events.stream().map(t -> t.from() + ">" + t.to()).collect(Collectors.toList());
  }

  @Test
  void countBasedOpensWhenTheRateReachesTheThresholdOnceTheMinimumIsIn() {
    CircuitBreaker b = watched(builder().withSlidingWindowSize(10).withMinimumNumberOfCalls(4)
        .withFailureRateThreshold(50).build());
    run(b, "fff"); // 100 % but only 3 calls: no rate yet
    assertThat(b.state()).isEqualTo(State.CLOSED);
    run(b, "s"); // 4 calls, 75 %: a success completes the minimum and opens, as in Resilience4j
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(transitions()).containsExactly("CLOSED>OPEN");
  }

  @Test
  void exactlyTheThresholdOpens() {
    CircuitBreaker b = builder().withSlidingWindowSize(4).withMinimumNumberOfCalls(4)
        .withFailureRateThreshold(50).build();
    run(b, "sfs");
    assertThat(b.state()).isEqualTo(State.CLOSED);
    run(b, "f"); // 2 of 4 = 50 %
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void oldOutcomesLeaveTheCountWindow() {
    CircuitBreaker b = builder().withSlidingWindowSize(4).withMinimumNumberOfCalls(4)
        .withFailureRateThreshold(60).build();
    run(b, "ffss"); // 50 % < 60 %
    assertThat(SlidingWindow.failed(counts(b))).isEqualTo(2);
    run(b, "ss"); // the two failures are evicted
    assertThat(SlidingWindow.failed(counts(b))).isZero();
    assertThat(SlidingWindow.total(counts(b))).isEqualTo(4);
    run(b, "ff"); // 2 of 4 again: still below
    assertThat(b.state()).isEqualTo(State.CLOSED);
    run(b, "f"); // s f f f = 75 %
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void theWindowNeverHoldsMoreThanItsSize() {
    CircuitBreaker b = builder().withSlidingWindowSize(7).withMinimumNumberOfCalls(7)
        .withFailureRateThreshold(100).build();
    for (int i = 0; i < 100; i++) {
      run(b, i % 3 == 0 ? "f" : "s");
      long c = counts(b);
      assertThat(SlidingWindow.total(c)).isEqualTo(Math.min(i + 1, 7));
      assertThat(SlidingWindow.failed(c)).isLessThanOrEqualTo(3);
    }
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void minimumAboveACountWindowIsCappedAtTheWindowAsInResilience4j() {
    CircuitBreaker b = builder().withSlidingWindowSize(5).withMinimumNumberOfCalls(100)
        .withFailureRateThreshold(100).build();
    run(b, "fffff");
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void timeBasedCountsTheLastSecondsOnly() {
    CircuitBreaker b = builder().withSlidingWindowType(SlidingWindowType.TIME_BASED)
        .withSlidingWindowSize(10).withMinimumNumberOfCalls(4).withFailureRateThreshold(50).build();
    run(b, "fff");
    ticker.advance(Duration.ofSeconds(11)); // the three failures leave the window
    run(b, "sss");
    assertThat(SlidingWindow.total(counts(b))).isEqualTo(3);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    run(b, "f"); // 1 of 4 = 25 %
    assertThat(b.state()).isEqualTo(State.CLOSED);
    ticker.advance(Duration.ofSeconds(5));
    run(b, "ff"); // 3 of 6 = 50 %, all inside the last 10 s
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void timeBasedMinimumIsNotCapped() {
    CircuitBreaker b = builder().withSlidingWindowType(SlidingWindowType.TIME_BASED)
        .withSlidingWindowSize(2).withMinimumNumberOfCalls(5).withFailureRateThreshold(50).build();
    run(b, "ffff");
    assertThat(b.state()).isEqualTo(State.CLOSED);
    run(b, "s"); // the fifth call completes the minimum: 80 %
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void slowCallsOpenAtTheSlowRate() {
    CircuitBreaker b = builder().withSlidingWindowSize(4).withMinimumNumberOfCalls(4)
        .withSlowCallDurationThreshold(Duration.ofMillis(100)).withSlowCallRateThreshold(50).build();
    for (int i = 0; i < 4; i++) {
      long p = b.tryAcquirePermission();
      long start = b.startTime();
      ticker.advance(Duration.ofMillis(i == 3 ? 100 : 99)); // the last one slow (at the threshold)
      b.onSuccess(p, start);
    }
    assertThat(SlidingWindow.slow(counts(b))).isEqualTo(1);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    long p = b.tryAcquirePermission();
    long start = b.startTime();
    ticker.advance(Duration.ofSeconds(1));
    b.onFailure(p, start); // slow and failed: slow 2 of 4 = 50 %, failed 25 %
    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void withoutSlowCallOptionsNoClockIsRead() {
    CircuitBreaker b = builder().withFailureRateThreshold(50).build();
    assertThat(b.startTime()).isEqualTo(CircuitBreaker.NOT_TIMED);
    CircuitBreaker timed = builder().withSlowCallRateThreshold(80).build();
    assertThat(timed.startTime()).isEqualTo(ticker.read());
  }

  @Test
  void everyClosedPeriodStartsWithAnEmptyWindowAndStaleOutcomesAreDropped() {
    CircuitBreaker b = watched(builder().withSlidingWindowSize(4).withMinimumNumberOfCalls(2)
        .withFailureRateThreshold(50).build());
    long early = b.tryAcquirePermission(); // a slow call that started before the breaker opened
    run(b, "ff");
    assertThat(b.state()).isEqualTo(State.OPEN);
    ticker.advance(Duration.ofSeconds(30));
    run(b, "s"); // the probe closes it
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(SlidingWindow.total(counts(b))).isZero();
    b.onFailure(early); // from the first CLOSED period: no verdict on this one
    assertThat(SlidingWindow.total(counts(b))).isZero();
    run(b, "sf");
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(transitions()).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED",
        "CLOSED>OPEN");
  }

  @Test
  void resetEmptiesTheWindow() {
    CircuitBreaker b = builder().withSlidingWindowSize(4).withMinimumNumberOfCalls(4)
        .withFailureRateThreshold(50).build();
    run(b, "fss");
    b.reset();
    run(b, "sssf");
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  /** A burst of concurrent failures: the breaker opens once, and one transition is published. */
  @RepeatedTest(20)
  void concurrentBurstOpensExactlyOnce() throws Exception {
    int threads = 4;
    CircuitBreaker b = watched(builder().withSlidingWindowSize(100).withMinimumNumberOfCalls(20)
        .withFailureRateThreshold(50).build());
    CyclicBarrier start = new CyclicBarrier(threads);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Thread(() -> {
        try {
          start.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (int i = 0; i < 200; i++) {
          long p = b.tryAcquirePermission();
          if (p >= 0) {
            b.onFailure(p);
          }
        }
      });
      workers[t].start();
    }
    for (Thread w : workers) {
      w.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(w.isAlive()).isFalse();
    }
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(transitions()).containsExactly("CLOSED>OPEN");
  }

  @Test
  void everyInvalidOptionIsReportedAtOnceUnderItsName() {
    assertThatThrownBy(() -> builder().withFailureRateThreshold(0).withSlidingWindowSize(0)
        .withMinimumNumberOfCalls(0).withSlowCallDurationThreshold(Duration.ZERO)
        .withSlowCallRateThreshold(101).build())
        .isInstanceOf(ConfigurationException.class)
        .satisfies(e -> assertThat(((ConfigurationException) e).problems())
            .extracting(ConfigurationException.Problem::toString)
            .containsExactly(
                "failureRateThreshold=0.0: must be a percentage above 0 and at most 100",
                "slidingWindowSize=0: must be between 1 and 10000",
                "minimumNumberOfCalls=0: must be between 1 and 1000000000",
                "slowCallDurationThreshold=0ms: must be between 1ms and 1d",
                "slowCallRateThreshold=101.0: must be a percentage above 0 and at most 100"));
  }

  @Test
  void timeBasedWindowIsBoundedInSeconds() {
    assertThatThrownBy(() -> builder().withSlidingWindowType(SlidingWindowType.TIME_BASED)
        .withSlidingWindowSize(3601).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("slidingWindowSize=3601: must be between 1 and 3600 (seconds, TIME_BASED)");
  }

  @Test
  void theTwoModesCannotBeMixed() {
    assertThatThrownBy(() -> builder().withFailureThreshold(5).withFailureRateThreshold(50).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("failureThreshold=5: must not be set together with the failure-rate options");
  }

  @Test
  void aSecondSetIsAProgrammingError() {
    assertThatThrownBy(() -> builder().withSlidingWindowSize(5).withSlidingWindowSize(6))
        .isInstanceOf(IllegalStateException.class).hasMessage("slidingWindowSize was already set");
  }
}
