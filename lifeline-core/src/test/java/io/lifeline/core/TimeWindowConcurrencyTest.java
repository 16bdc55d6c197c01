package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.lifeline.core.internal.SlidingWindow;
import io.lifeline.core.internal.TimeWindow;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;

/**
 * The time-based window loses no count when threads record at once, including across a second
 * boundary (the bucket restarts in the same CAS that adds the first call of the new second).
 */
class TimeWindowConcurrencyTest {

  @RepeatedTest(5)
  void concurrentRecordsAreAllCountedAcrossASecondBoundary() throws Exception {
    AtomicLong now = new AtomicLong(0);
    TimeWindow w = new TimeWindow(0, 3, 1_000_000, 100f, 100.1f, 0);
    int threads = 4;
    int perThread = 20_000;
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      ts[t] = new Thread(() -> {
        try {
          start.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (int i = 0; i < perThread; i++) {
          w.record(i % 4 == 0 ? SlidingWindow.FAILED : SlidingWindow.SUCCESS, now.get());
        }
      });
      ts[t].start();
    }
    start.await(10, TimeUnit.SECONDS);
    now.set(1_000_000_000L); // the second rolls over while they record
    for (Thread t : ts) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(t.isAlive()).isFalse();
    }
    long c = w.counts(now.get());
    assertThat(SlidingWindow.total(c)).isEqualTo(threads * perThread);
    assertThat(SlidingWindow.failed(c)).isEqualTo(threads * perThread / 4);
    assertThat(SlidingWindow.total(w.counts(4_000_000_000L))).isZero(); // both seconds have left
  }
}
