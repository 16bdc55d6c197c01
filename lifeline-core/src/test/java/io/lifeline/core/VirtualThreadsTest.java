package io.lifeline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * On Java 21+: thousands of virtual threads call through one Guard (with retries and sleeping
 * backoff) and none of them pins its carrier, as recorded by JFR's {@code jdk.VirtualThreadPinned}
 * event. Skipped on Java 17 (run the suite on a newer JDK: see README "Building on newer JDKs").
 */
class VirtualThreadsTest {

  @Test
  void guardedCallsOnVirtualThreadsNeverPin() throws Exception {
    assumeThat(Runtime.version().feature()).as("needs Java 21+").isGreaterThanOrEqualTo(21);
    ExecutorService vts = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
        .invoke(null);
    AtomicInteger pinned = new AtomicInteger();
    try (RecordingStream rs = new RecordingStream()) {
      rs.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
      rs.onEvent("jdk.VirtualThreadPinned", e -> pinned.incrementAndGet());
      rs.startAsync();
      Guard g = Guard.of("vt", RetryConfig.builder().maxRetries(2).baseDelay(Duration.ofMillis(2))
          .circuitBreakerThreshold(1_000_000).retryBudgetMinPerSecond(100_000).build());
      AtomicInteger ok = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        int n = i;
        fs.add(vts.submit(() -> {
          AtomicInteger attempts = new AtomicInteger();
          String r = g.call(() -> {
            LockSupport.parkNanos(1_000_000); // simulated blocking I/O
            if (n % 3 == 0 && attempts.incrementAndGet() == 1) {
              throw new IOException("transient");
            }
            return "ok";
          });
          if (r.equals("ok")) {
            ok.incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(ok).hasValue(5_000);
      vts.shutdown();
    }
    assertThat(pinned).as("virtual thread pinned events").hasValue(0);
  }
}
