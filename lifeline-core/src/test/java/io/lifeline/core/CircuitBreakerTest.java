package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.CircuitBreaker.State;
import io.lifeline.core.CircuitBreaker.Transition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CircuitBreakerTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ConcurrentLinkedQueue<Transition> events = new ConcurrentLinkedQueue<>();

  private CircuitBreaker breaker(int threshold, int probes) {
    CircuitBreaker b = CircuitBreaker.builder("db").withFailureThreshold(threshold)
        .withOpenTimeout(Duration.ofSeconds(30)).withHalfOpenProbes(probes).withTicker(ticker).build();
    b.addListener(events::add);
    return b;
  }

  private static void fail(CircuitBreaker b) {
    long p = b.tryAcquirePermission();
    assertThat(p).isNotNegative();
    b.onFailure(p);
  }

  private static void succeed(CircuitBreaker b) {
    long p = b.tryAcquirePermission();
    assertThat(p).isNotNegative();
    b.onSuccess(p);
  }

  /** Steps of a script: f = failed call, s = successful call, i = ignored call, w = wait the open timeout, r = rejected call. */
  static Stream<Arguments> transitions() {
    return Stream.of(
        Arguments.of("below threshold stays closed", 3, 1, "ff", State.CLOSED, List.of()),
        Arguments.of("threshold consecutive failures open", 3, 1, "fff", State.OPEN, List.of("CLOSED>OPEN")),
        Arguments.of("a success resets the count", 3, 1, "ffsff", State.CLOSED, List.of()),
        Arguments.of("caller errors do not count", 3, 1, "ffiiif", State.OPEN, List.of("CLOSED>OPEN")),
        Arguments.of("open rejects before timeout", 1, 1, "fr", State.OPEN, List.of("CLOSED>OPEN")),
        Arguments.of("half-open after timeout; probe success closes", 1, 1, "fws", State.CLOSED,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED")),
        Arguments.of("probe failure reopens", 1, 1, "fwf", State.OPEN,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN")),
        Arguments.of("reopened breaker waits a full timeout again", 1, 1, "fwfr", State.OPEN,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN")),
        Arguments.of("two probes: both must succeed", 1, 2, "fwss", State.CLOSED,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED")),
        Arguments.of("two probes: one success is not enough", 1, 2, "fws", State.HALF_OPEN,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN")),
        Arguments.of("two probes: success then failure reopens", 1, 2, "fwsf", State.OPEN,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN")),
        Arguments.of("ignored probe gives its permit back", 1, 1, "fwis", State.CLOSED,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED")),
        Arguments.of("full cycle twice", 2, 1, "ffwsffws", State.CLOSED,
            List.of("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED",
                "CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transitions")
  void transitionTable(String what, int threshold, int probes, String script, State end, List<String> expected) {
    CircuitBreaker b = breaker(threshold, probes);
    for (char step : script.toCharArray()) {
      switch (step) {
        case 'f': fail(b); break;
        case 's': succeed(b); break;
        case 'i': {
          long p = b.tryAcquirePermission();
          assertThat(p).isNotNegative();
          b.onIgnored(p);
          break;
        }
        case 'w': ticker.advance(Duration.ofSeconds(30)); break;
        case 'r': assertThat(b.tryAcquirePermission()).isNegative(); break;
        default: throw new AssertionError(step);
      }
    }
    assertThat(b.state()).isEqualTo(end);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events).hasSize(expected.size()));
    List<String> seen = new ArrayList<>();
    for (Transition t : events) {
      seen.add(t.from() + ">" + t.to());
    }
    assertThat(seen).isEqualTo(expected);
  }

  @Test
  void openLastsExactlyTheTimeout() {
    CircuitBreaker b = breaker(1, 1);
    fail(b);
    assertThat(b.remainingOpenTime()).isEqualTo(Duration.ofSeconds(30));
    ticker.advance(Duration.ofSeconds(30).minusNanos(1));
    assertThat(b.tryAcquirePermission()).isNegative();
    assertThat(b.remainingOpenTime()).isEqualTo(Duration.ofNanos(1));
    ticker.advance(Duration.ofNanos(1));
    assertThat(b.tryAcquirePermission()).isNotNegative();
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    assertThat(b.remainingOpenTime()).isZero();
  }

  @Test
  void halfOpenLetsExactlyTheConfiguredProbesThroughUnderContention() throws Exception {
    for (int probes : new int[] {1, 3}) {
      CircuitBreaker b = breaker(1, probes);
      fail(b);
      ticker.advance(Duration.ofSeconds(30));
      int threads = 8;
      CyclicBarrier barrier = new CyclicBarrier(threads);
      AtomicInteger permitted = new AtomicInteger();
      Thread[] ts = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        ts[t] = new Thread(() -> {
          try {
            barrier.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          for (int i = 0; i < 100; i++) {
            if (b.tryAcquirePermission() >= 0) {
              permitted.incrementAndGet();
            }
          }
        });
        ts[t].start();
      }
      for (Thread t : ts) {
        t.join();
      }
      assertThat(permitted.get()).as("probes=%d", probes).isEqualTo(probes);
      assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    }
  }

  @Test
  void hungProbesCountAsFailedAfterTheMaxWaitInsteadOfWedgingTheBreaker() {
    CircuitBreaker b = CircuitBreaker.builder("hung").withFailureThreshold(1)
        .withOpenTimeout(Duration.ofSeconds(30)).withHalfOpenProbes(2)
        .withHalfOpenMaxWait(Duration.ofSeconds(10)).withTicker(ticker).build();
    b.addListener(events::add);
    fail(b);
    ticker.advance(Duration.ofSeconds(30));
    long p1 = b.tryAcquirePermission();
    long p2 = b.tryAcquirePermission();
    assertThat(p1).isNotNegative();
    assertThat(p2).isNotNegative(); // both probes out and never come back
    ticker.advance(Duration.ofSeconds(10));
    assertThat(b.tryAcquirePermission()).isNegative();
    assertThat(b.state()).isEqualTo(State.HALF_OPEN); // not yet: waited exactly the max wait
    ticker.advance(Duration.ofSeconds(2));
    assertThat(b.tryAcquirePermission()).isNegative();
    assertThat(b.state()).isEqualTo(State.OPEN); // hung probes counted as failed
    b.onSuccess(p1); // the hung probe finally returns: stale, ignored
    assertThat(b.state()).isEqualTo(State.OPEN);
    ticker.advance(Duration.ofSeconds(30));
    succeed(b);
    succeed(b);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events).extracting(Transition::to)
        .containsExactly(State.OPEN, State.HALF_OPEN, State.OPEN, State.HALF_OPEN, State.CLOSED));
  }

  @Test
  void lateOutcomeOfACallStartedBeforeATransitionIsIgnored() {
    CircuitBreaker b = breaker(1, 1);
    long old = b.tryAcquirePermission(); // started while CLOSED
    fail(b); // opens
    ticker.advance(Duration.ofSeconds(30));
    long probe = b.tryAcquirePermission(); // HALF_OPEN
    b.onFailure(old); // the slow call from before finally fails: must not re-open
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    b.onSuccess(probe);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    b.onSuccess(old); // and must not disturb the closed breaker either
    assertThat(b.consecutiveFailures()).isZero();
  }

  @Test
  void resetClosesAndPublishesOnce() {
    CircuitBreaker b = breaker(1, 1);
    fail(b);
    b.reset();
    b.reset();
    assertThat(b.state()).isEqualTo(State.CLOSED);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events).hasSize(2));
    assertThat(events).extracting(Transition::to).containsExactly(State.OPEN, State.CLOSED);
    assertThat(events).extracting(Transition::sequence).containsExactly(1L, 2L);
  }

  @Test
  void listenersRunOffTheCallingThreadAndAThrowingOneIsIsolated() throws Exception {
    CircuitBreaker b = CircuitBreaker.builder("x").withFailureThreshold(1).withTicker(ticker).build();
    ConcurrentLinkedQueue<String> threads = new ConcurrentLinkedQueue<>();
    CountDownLatch good = new CountDownLatch(2);
    b.addListener(t -> {
      throw new IllegalStateException("boom");
    });
    b.addListener(t -> {
      threads.add(Thread.currentThread().getName());
      good.countDown();
    });
    fail(b);
    b.reset();
    assertThat(good.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(threads).allSatisfy(n -> assertThat(n).startsWith("lifeline-events-")
        .isNotEqualTo(Thread.currentThread().getName()));
  }

  @Test
  void transitionsUnderContentionArePublishedExactlyOnceAndInOrder() throws Exception {
    CircuitBreaker b = CircuitBreaker.builder("hot").withFailureThreshold(1).withOpenTimeout(Duration.ZERO)
        .withHalfOpenProbes(1).build();
    List<Transition> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    b.addListener(seen::add);
    int threads = 4;
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int id = t;
      ts[t] = new Thread(() -> {
        for (int i = 0; i < 20_000; i++) {
          long p = b.tryAcquirePermission();
          if (p >= 0) {
            if ((i + id) % 3 == 0) {
              b.onSuccess(p);
            } else {
              b.onFailure(p);
            }
          }
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    b.reset();
    State end = b.state();
    assertThat(end).isEqualTo(State.CLOSED);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(seen).isNotEmpty();
      assertThat(seen.get(seen.size() - 1).to()).isEqualTo(State.CLOSED);
    });
    long lastSeq = seen.get(seen.size() - 1).sequence();
    assertThat(seen).hasSize((int) lastSeq);
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i).sequence()).isEqualTo(i + 1);
      if (i > 0) {
        assertThat(seen.get(i).from()).as("event %d continues from the previous one", i)
            .isEqualTo(seen.get(i - 1).to());
      }
    }
  }

  @Test
  void builderRejectsBadValuesAndSecondSets() {
    assertThatThrownBy(() -> CircuitBreaker.builder("b").withFailureThreshold(0))
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("circuitBreakerThreshold=0");
    assertThatThrownBy(() -> CircuitBreaker.builder("b").withHalfOpenProbes(1).withHalfOpenProbes(2))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void ofUsesRetryConfig() {
    CircuitBreaker b = CircuitBreaker.of("c", RetryConfig.builder().circuitBreakerThreshold(2).build());
    long p = b.tryAcquirePermission();
    b.onFailure(p);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.consecutiveFailures()).isEqualTo(1);
    b.onFailure(b.tryAcquirePermission());
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.toString()).contains("OPEN");
  }
}
