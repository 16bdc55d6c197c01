package io.lifeline.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;

/**
 * {@link LifelineMetrics#bindTo} as a {@link MeterBinder}, for frameworks that bind every binder
 * bean to their registry (Spring Boot does). Thread-safe.
 */
public final class LifelineMeterBinder implements MeterBinder {
  private final Iterable<Tag> tags;

  public LifelineMeterBinder() {
    this(List.of());
  }

  public LifelineMeterBinder(Iterable<Tag> tags) {
    this.tags = tags;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    LifelineMetrics.bindTo(registry, tags);
  }
}
