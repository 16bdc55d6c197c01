package io.lifeline.micrometer;

import io.lifeline.core.Guard;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import io.lifeline.core.spi.Timing;
import io.micrometer.observation.ObservationRegistry;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Opt-in tracing: {@code LifelineObservations.bindTo(observationRegistry)} wraps every guarded call
 * of every Guard and manager (present and future) in an {@code Observation} named {@value
 * CallObservations#CALL}, with a child {@value CallObservations#ATTEMPT} per attempt and an event
 * per failed attempt. With Micrometer Tracing and an OpenTelemetry bridge that is one span per call
 * with a child span per attempt. Key values: {@code service}, {@code backend}, {@code outcome}
 * (low cardinality), {@code attempt} (high cardinality, attempts only). Errors are recorded as
 * their sanitized description only ({@code Secrets.describe}): no URL credentials reach a span.
 *
 * <p>Cost: an Observation and its context per call and per attempt, and only while bound;
 * independent of {@link LifelineMetrics}. {@link #close()} detaches. Thread-safe.
 */
public final class LifelineObservations implements AutoCloseable {
  private final Map<Long, Map<Guard, AutoCloseable>> attached = new HashMap<>(); // under the registry lock
  private final AutoCloseable subscription;

  private LifelineObservations(ObservationRegistry registry) {
    this.subscription = Instrumentation.addListener(new Instrumentation.Listener() {
      @Override
      public void registered(Instrumentation.Registration r) {
        Instrumented c = r.component();
        if (c == null) {
          return;
        }
        Map<Guard, AutoCloseable> mine = attached.computeIfAbsent(r.id(), id -> new IdentityHashMap<>());
        c.describeMeters(new GuardsOnly(registry, mine));
      }

      @Override
      public void unregistered(Instrumentation.Registration r) {
        Map<Guard, AutoCloseable> mine = attached.remove(r.id());
        if (mine != null) {
          mine.values().forEach(LifelineObservations::detach);
        }
      }
    });
  }

  /** Observes every guarded call, present and future Guards, in {@code registry}. */
  public static LifelineObservations bindTo(ObservationRegistry registry) {
    return new LifelineObservations(Objects.requireNonNull(registry, "registry"));
  }

  @Override
  public void close() {
    detach(subscription);
    attached.values().forEach(m -> m.values().forEach(LifelineObservations::detach));
    attached.clear();
  }

  private static void detach(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A sink that only attaches an observer to each described Guard (once). */
  private static final class GuardsOnly implements MeterSink {
    private final ObservationRegistry registry;
    private final Map<Guard, AutoCloseable> attached;

    GuardsOnly(ObservationRegistry registry, Map<Guard, AutoCloseable> attached) {
      this.registry = registry;
      this.attached = attached;
    }

    @Override
    public <T> void gauge(String name, String description, String unit, T source,
        ToDoubleFunction<T> value, String... tags) {}

    @Override
    public <T> void counter(String name, String description, String unit, T source,
        ToDoubleFunction<T> count, String... tags) {}

    @Override
    public void timer(String name, String description, Timing timing, String... tags) {}

    @Override
    public void calls(Guard guard, String... tags) {
      attached.computeIfAbsent(guard, g -> g.addCallObserver(new CallObservations(registry, g)));
    }
  }
}
