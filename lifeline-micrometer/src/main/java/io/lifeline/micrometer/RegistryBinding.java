package io.lifeline.micrometer;

import io.lifeline.core.Guard;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import io.lifeline.core.spi.Timing;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One component's meters in one registry. {@link #describe} asks the component for its current
 * set and reconciles: meters no longer described are removed, hooks (call observers, timing
 * listeners) no longer described are detached, the rest are kept as they are. {@link #close()}
 * removes everything. Called under {@code Instrumentation}'s lock, so never concurrently.
 */
final class RegistryBinding {
  private final MeterRegistry registry;
  private final Tags extraTags;
  private Map<Meter.Id, Meter> meters = new HashMap<>();
  private Map<Object, Hook> hooks = new IdentityHashMap<>();

  RegistryBinding(MeterRegistry registry, Tags extraTags) {
    this.registry = registry;
    this.extraTags = extraTags;
  }

  /** A listener or observer attached for this binding, with the meters it created lazily. */
  interface Hook extends AutoCloseable {
    @Override
    void close();
  }

  void describe(Instrumented component) {
    Sink sink = new Sink();
    component.describeMeters(sink);
    for (Map.Entry<Meter.Id, Meter> e : meters.entrySet()) {
      if (!sink.meters.containsKey(e.getKey())) {
        registry.remove(e.getValue());
      }
    }
    for (Map.Entry<Object, Hook> e : hooks.entrySet()) {
      if (!sink.hooks.containsKey(e.getKey())) {
        e.getValue().close();
      }
    }
    meters = sink.meters;
    hooks = sink.hooks;
  }

  void close() {
    for (Meter m : meters.values()) {
      registry.remove(m);
    }
    for (Hook h : hooks.values()) {
      h.close();
    }
    meters = new HashMap<>();
    hooks = new IdentityHashMap<>();
  }

  private final class Sink implements MeterSink {
    final Map<Meter.Id, Meter> meters = new HashMap<>();
    final Map<Object, Hook> hooks = new IdentityHashMap<>();

    private Tags tags(String[] tags) {
      return extraTags.and(Tags.of(tags));
    }

    private void keep(Meter m) {
      meters.put(m.getId(), m);
    }

    /**
     * A gauge or function counter described again (a refresh after a service was added) is the
     * meter already registered: registering it twice would make Micrometer warn and ignore it.
     * Keyed by the id as described (before the registry's filters), so a renaming filter does not
     * defeat it.
     */
    private boolean keepExisting(Meter.Id key) {
      Meter existing = RegistryBinding.this.meters.get(key);
      if (existing == null) {
        return false;
      }
      meters.put(key, existing);
      return true;
    }

    @Override
    public <T> void gauge(String name, String description, String unit, T source,
        ToDoubleFunction<T> value, String... tags) {
      Meter.Id key = new Meter.Id(name, tags(tags), unit, description, Meter.Type.GAUGE);
      if (!keepExisting(key)) {
        meters.put(key, Gauge.builder(name, source, value).description(description).baseUnit(unit)
            .tags(tags(tags)).register(registry));
      }
    }

    @Override
    public <T> void counter(String name, String description, String unit, T source,
        ToDoubleFunction<T> count, String... tags) {
      Meter.Id key = new Meter.Id(name, tags(tags), unit, description, Meter.Type.COUNTER);
      if (!keepExisting(key)) {
        meters.put(key, FunctionCounter.builder(name, source, count).description(description).baseUnit(unit)
            .tags(tags(tags)).register(registry));
      }
    }

    @Override
    public void timer(String name, String description, Timing timing, String... tags) {
      Hook h = RegistryBinding.this.hooks.get(timing);
      if (h == null) {
        h = new TimingMeters(registry, name, description, tags(tags), timing);
      }
      hooks.put(timing, h);
    }

    @Override
    public void calls(Guard guard, String... tags) {
      Tags t = tags(tags);
      GuardMeters.describe(registry, guard, t).forEach(this::keep);
      Hook h = RegistryBinding.this.hooks.get(guard);
      if (h == null) {
        h = new GuardHooks(registry, guard, t);
      }
      hooks.put(guard, h);
    }
  }
}
