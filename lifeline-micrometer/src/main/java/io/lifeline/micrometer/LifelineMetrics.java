package io.lifeline.micrometer;

import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every Lifeline meter in one call: {@code LifelineMetrics.bindTo(registry)} gives every Guard,
 * connection pool, connection manager (Redis, JDBC, Neo4j, HTTP/Graphiti) and health manager its
 * meters in {@code registry} — those that exist now and every one created later — and removes a
 * component's meters when it is closed. The README's "Observability" section lists them.
 *
 * {@snippet :
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * LifelineMetrics.bindTo(registry);          // once, at startup
 * String text = registry.scrape();           // lifeline_calls_total{service="orders-db",...}
 * }
 *
 * <p>Cost: gauges and counters are functions over state the components keep anyway (read at scrape
 * time, held weakly); the call path records one counter increment and one timer sample, into
 * meters cached per outcome. Tags are bounded (names from code and configuration, enum values):
 * never a key, a query, a URL or a body. Binding the same registry twice gives the same meters
 * (Micrometer deduplicates by id); {@link #close()} unbinds. Thread-safe.
 */
public final class LifelineMetrics implements AutoCloseable {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Map<Long, RegistryBinding> bindings = new HashMap<>(); // under Instrumentation's lock
  private final AutoCloseable subscription;

  private LifelineMetrics(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
    this.subscription = Instrumentation.addListener(new Instrumentation.Listener() {
      @Override
      public void registered(Instrumentation.Registration r) {
        Instrumented c = r.component();
        if (c == null) {
          return;
        }
        bindings.computeIfAbsent(r.id(), id -> new RegistryBinding(registry, tags)).describe(c);
      }

      @Override
      public void unregistered(Instrumentation.Registration r) {
        RegistryBinding b = bindings.remove(r.id());
        if (b != null) {
          b.close();
        }
      }
    });
  }

  /** Binds every Lifeline component, present and future, to {@code registry}. */
  public static LifelineMetrics bindTo(MeterRegistry registry) {
    return bindTo(registry, List.of());
  }

  /** As {@link #bindTo(MeterRegistry)}, adding {@code tags} to every meter. */
  public static LifelineMetrics bindTo(MeterRegistry registry, Iterable<Tag> tags) {
    Objects.requireNonNull(registry, "registry");
    return new LifelineMetrics(registry, Tags.of(tags));
  }

  /** The registry bound. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Stops following new components and removes every meter this binding created. Idempotent. */
  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    // no callback runs any more (the listener was removed under the registry's lock)
    bindings.values().forEach(RegistryBinding::close);
    bindings.clear();
  }

  @Override
  public String toString() {
    return "LifelineMetrics[" + registry.getClass().getSimpleName() + ", " + tags + "]";
  }
}
