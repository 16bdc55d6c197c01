package io.lifeline.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lifeline.core.Guard;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.MeterSink;
import io.lifeline.core.spi.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * A round of checks ends whatever happens while its outcome is recorded: a meter listener that
 * throws (a buggy binder) once left the round's future incomplete, and the service was never
 * checked again, its status frozen, with no log line.
 */
class RoundAlwaysEndsTest {

  /** Attaches a throwing listener to every timer it is shown. */
  private static final class ThrowingTimers implements MeterSink {
    final List<AutoCloseable> handles = new ArrayList<>();

    @Override
    public <T> void gauge(String name, String description, String unit, T source, ToDoubleFunction<T> value,
        String... tags) {}

    @Override
    public <T> void counter(String name, String description, String unit, T source, ToDoubleFunction<T> count,
        String... tags) {}

    @Override
    public void timer(String name, String description, Timing timing, String... tags) {
      handles.add(timing.addListener((nanos, v1, v2) -> {
        throw new IllegalStateException("binder bug");
      }));
    }

    @Override
    public void calls(Guard guard, String... tags) {}
  }

  @Test
  void aThrowingMeterListenerDoesNotStopTheChecksOfItsService() throws Exception {
    ThrowingTimers sink = new ThrowingTimers();
    AutoCloseable binder = Instrumentation.addListener(new Instrumentation.Listener() {
      @Override
      public void registered(Instrumentation.Registration r) {
        r.component().describeMeters(sink);
      }

      @Override
      public void unregistered(Instrumentation.Registration r) {}
    });
    ConnectionHealthManager health = ConnectionHealthManager.builder().checkInterval(Duration.ofMillis(50))
        .checkTimeout(Duration.ofMillis(200)).unavailableThreshold(1).recoveryThreshold(1).build();
    try {
      java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicBoolean hang = new java.util.concurrent.atomic.AtomicBoolean();
      health.register("svc", ServiceType.CUSTOM, () -> {
        if (hang.get()) {
          // blocks past the 200 ms timeout until the timeout's interrupt: the timed-out path records too
          new java.util.concurrent.CountDownLatch(1).await(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        return up.get() ? CheckResult.up() : CheckResult.down("down");
      }, Set.of());
      health.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("svc").totalChecks() >= 5);
      up.set(false);
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("svc").status() == ServiceStatus.UNAVAILABLE);
      up.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("svc").status() == ServiceStatus.HEALTHY);
      hang.set(true);
      long before = health.status("svc").totalChecks();
      await().atMost(Duration.ofSeconds(5)).until(() -> health.status("svc").status() == ServiceStatus.UNAVAILABLE
          && health.status("svc").lastError().contains("timed out"));
      hang.set(false);
      await().atMost(Duration.ofSeconds(10)).until(() -> health.status("svc").status() == ServiceStatus.HEALTHY
          && health.status("svc").totalChecks() > before + 2);
    } finally {
      health.close();
      binder.close();
      for (AutoCloseable h : sink.handles) {
        h.close();
      }
    }
  }
}
