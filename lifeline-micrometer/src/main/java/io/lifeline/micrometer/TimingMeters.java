package io.lifeline.micrometer;

import io.lifeline.core.spi.Timing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Timing}'s events recorded into timers, one per combination of the timing's tag values,
 * created on first use and cached (two map lookups per event, no allocation after that). The
 * values are bounded by the component ({@code acquired}/{@code timeout}, check outcomes).
 */
final class TimingMeters implements RegistryBinding.Hook, Timing.Listener {
  private static final String NONE = "";

  private final MeterRegistry registry;
  private final String name;
  private final String description;
  private final Tags tags;
  private final String[] keys;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Timer>> timers =
      new ConcurrentHashMap<>();
  private final AutoCloseable subscription;

  TimingMeters(MeterRegistry registry, String name, String description, Tags tags, Timing timing) {
    this.registry = registry;
    this.name = name;
    this.description = description;
    this.tags = tags;
    this.keys = timing.tagKeys();
    this.subscription = timing.addListener(this);
  }

  @Override
  public void record(long nanos, String v1, String v2) {
    String a = v1 == null ? NONE : v1;
    String b = v2 == null ? NONE : v2;
    ConcurrentHashMap<String, Timer> byB = timers.get(a);
    if (byB == null) {
      byB = timers.computeIfAbsent(a, k -> new ConcurrentHashMap<>());
    }
    Timer t = byB.get(b);
    if (t == null) {
      t = byB.computeIfAbsent(b, k -> create(a, k));
    }
    t.record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer create(String v1, String v2) {
    Tags t = tags;
    if (keys.length > 0) {
      t = t.and(keys[0], v1);
    }
    if (keys.length > 1) {
      t = t.and(keys[1], v2);
    }
    return Timers.timer(registry, name, description, t);
  }

  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    List<Timer> all = new ArrayList<>();
    timers.values().forEach(m -> all.addAll(m.values()));
    all.forEach(registry::remove);
    timers.clear();
  }
}
