package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * Regression guard for the success path's "no allocation" promise, measured with the JVM's per-thread
 * allocation counter (not a timing test; the JMH {@code -prof gc} run in lifeline-bench is the
 * reference figure).
 */
class GuardAllocationTest {
  private static final Callable<String> OP = () -> "ok";

  @Test
  void successPathAllocatesNothingWithAnObserverThatKeepsNoPerCallState() {
    Guard g = Guard.of("alloc-observed", RetryConfig.defaults());
    long[] ended = new long[1];
    g.addCallObserver(new io.lifeline.core.spi.CallObserver() {
      @Override
      public Object callStarted(String guard) {
        return null;
      }

      @Override
      public void callEnded(Object token, long nanos, io.lifeline.core.spi.CallOutcome outcome, Throwable error) {
        ended[0]++;
      }
    });
    assertNoAllocation(g);
    assertThat(ended[0]).isEqualTo(250_000);
  }

  @Test
  void successPathAllocatesNothing() {
    assertNoAllocation(Guard.of("alloc", RetryConfig.defaults()));
  }

  @Test
  void failureRateSuccessPathAllocatesNothing() {
    CircuitBreaker breaker = CircuitBreaker.builder("alloc").withSlidingWindowSize(100)
        .withMinimumNumberOfCalls(100).withFailureRateThreshold(50).build();
    assertNoAllocation(Guard.builder("alloc").circuitBreaker(breaker).build());
  }

  @Test
  void timeBasedAndSlowCallDetectionAllocateNothing() {
    CircuitBreaker breaker = CircuitBreaker.builder("alloc")
        .withSlidingWindowType(CircuitBreaker.SlidingWindowType.TIME_BASED).withSlidingWindowSize(10)
        .withSlowCallDurationThreshold(java.time.Duration.ofSeconds(1)).build();
    assertNoAllocation(Guard.builder("alloc").circuitBreaker(breaker).build());
  }

  /** Mixed outcomes below the threshold (1 in 10 failing) go through the window's CAS path. */
  @Test
  void failureRateMixedOutcomesAllocateNothingInTheBreaker() {
    CircuitBreaker b = CircuitBreaker.builder("alloc").withSlidingWindowSize(100)
        .withMinimumNumberOfCalls(100).withFailureRateThreshold(50).build();
    com.sun.management.ThreadMXBean hs = hotSpot();
    if (hs == null) {
      return;
    }
    long id = Thread.currentThread().getId();
    for (int round = 0; round < 2; round++) {
      long before = hs.getThreadAllocatedBytes(id);
      for (int i = 0; i < 200_000; i++) {
        long p = b.tryAcquirePermission();
        if (i % 10 == 0) {
          b.onFailure(p);
        } else {
          b.onSuccess(p);
        }
      }
      long allocated = hs.getThreadAllocatedBytes(id) - before;
      if (round == 1) {
        assertThat(allocated).as("bytes allocated by 200000 breaker calls").isLessThan(4_096);
      }
    }
    assertThat(b.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  private static com.sun.management.ThreadMXBean hotSpot() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    return mx instanceof com.sun.management.ThreadMXBean ? (com.sun.management.ThreadMXBean) mx : null;
  }

  private static void assertNoAllocation(Guard g) {
    com.sun.management.ThreadMXBean hs = hotSpot();
    if (hs == null) {
      return; // not a HotSpot-compatible JVM: nothing to measure with
    }
    long id = Thread.currentThread().getId();
    for (int i = 0; i < 50_000; i++) {
      g.call(OP);
    }
    int calls = 200_000;
    long before = hs.getThreadAllocatedBytes(id);
    for (int i = 0; i < calls; i++) {
      g.call(OP);
    }
    long allocated = hs.getThreadAllocatedBytes(id) - before;
    // Reading the counter itself may allocate a few bytes; one object per call would be >= 3.2 MB.
    assertThat(allocated).as("bytes allocated by %d guarded calls", calls).isLessThan(4_096);
  }
}
