package io.lifeline.redis;

import io.lifeline.core.spi.ConnectionMeters;
import io.lifeline.core.spi.Instrumentation;
import io.lifeline.core.spi.Instrumented;
import io.lifeline.core.spi.MeterSink;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one {@link RedisConnectionManager}: its Guard's calls, connection state, and the
 * fallback cache (answers, hits, misses, size, evictions) and recovery reconciliation. Functions
 * over the manager's own counters: nothing is recorded twice. Tags are the manager's name and
 * {@code backend=redis}: never a key.
 */
final class RedisMeters implements Instrumented {
  static final String BACKEND = "redis";

  private final RedisConnectionManager manager;
  private final Instrumentation.Registration registration;

  RedisMeters(RedisConnectionManager manager) {
    this.manager = manager;
    this.registration = Instrumentation.register(this);
  }

  void close() {
    registration.close();
  }

  @Override
  public void describeMeters(MeterSink sink) {
    String service = manager.name();
    RedisMetrics m = manager.rawMetrics();
    sink.calls(manager.guard(), "service", service, "backend", BACKEND);
    ConnectionMeters.describeState(sink, manager, RedisConnectionManager::state,
        "service", service, "backend", BACKEND);
    sink.counter("lifeline.calls", "Guarded calls by outcome", null, m,
        x -> x.fallbackHits.sum() + x.fallbackMisses.sum() + x.fallbackWrites.sum(),
        "service", service, "backend", BACKEND, "outcome", "fallback");
    counter(sink, "lifeline.redis.fallback.hits", "Reads the fallback cache answered with a value",
        m.fallbackHits, service);
    counter(sink, "lifeline.redis.fallback.misses", "Reads the fallback cache answered with no value",
        m.fallbackMisses, service);
    counter(sink, "lifeline.redis.fallback.writes", "Writes applied to the fallback cache",
        m.fallbackWrites, service);
    counter(sink, "lifeline.redis.fallback.evictions",
        "Fallback entries evicted by its entry or byte bound", m.fallbackEvictions, service);
    counter(sink, "lifeline.redis.outages", "Switches from Redis to the fallback cache", m.outages,
        service);
    counter(sink, "lifeline.redis.reconciliations",
        "Recoveries completed (touched keys reconciled, traffic back on Redis)", m.reconciliations,
        service);
    counter(sink, "lifeline.redis.reconciled.keys", "Keys invalidated or written back on recovery",
        m.reconciledKeys, service);
    sink.gauge("lifeline.redis.fallback.size", "Entries in the fallback cache", null, manager,
        RedisConnectionManager::fallbackSize, "service", service, "backend", BACKEND);
    sink.gauge("lifeline.redis.fallback.weight", "Estimated size of the fallback cache", "bytes",
        manager, RedisConnectionManager::fallbackBytes, "service", service, "backend", BACKEND);
    sink.gauge("lifeline.redis.touched.keys", "Keys written during an outage, awaiting reconciliation",
        null, manager, RedisConnectionManager::touchedKeys, "service", service, "backend", BACKEND);
  }

  private static void counter(MeterSink sink, String name, String description, LongAdder adder,
      String service) {
    sink.counter(name, description, null, adder, LongAdder::sum, "service", service, "backend", BACKEND);
  }
}
