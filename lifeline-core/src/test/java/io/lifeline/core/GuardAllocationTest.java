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
    assertAllocatesNothing(g);
    assertThat(ended[0]).isEqualTo(250_000);
  }

  @Test
  void successPathAllocatesNothing() {
    assertAllocatesNothing(Guard.of("alloc", RetryConfig.defaults()));
  }

  private static void assertAllocatesNothing(Guard g) {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    if (!(mx instanceof com.sun.management.ThreadMXBean)) {
      return; // not a HotSpot-compatible JVM: nothing to measure with
    }
    com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) mx;
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
