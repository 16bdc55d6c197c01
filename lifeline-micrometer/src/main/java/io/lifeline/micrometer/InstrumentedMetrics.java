package io.lifeline.micrometer;

import io.lifeline.core.spi.Instrumented;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The meters of any {@link Instrumented} component (one of your own, written against the core
 * SPI), as a {@link MeterBinder}. {@link #refresh()} describes it again. Not for Lifeline's own
 * components, which {@link LifelineMetrics} binds. Thread-safe.
 */
public final class InstrumentedMetrics implements MeterBinder, AutoCloseable {
  private final Instrumented component;
  private final Tags tags;
  private final ReentrantLock lock = new ReentrantLock(); // bind time only; no monitor (virtual threads)
  private RegistryBinding binding;

  public InstrumentedMetrics(Instrumented component, Iterable<Tag> tags) {
    this.component = Objects.requireNonNull(component, "component");
    this.tags = Tags.of(tags);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    lock.lock();
    try {
      if (binding != null) {
        binding.close();
      }
      binding = new RegistryBinding(registry, tags);
      binding.describe(component);
    } finally {
      lock.unlock();
    }
  }

  /** Describes the component again (meters it no longer describes are removed). */
  public void refresh() {
    lock.lock();
    try {
      if (binding != null) {
        binding.describe(component);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (binding != null) {
        binding.close();
        binding = null;
      }
    } finally {
      lock.unlock();
    }
  }
}
