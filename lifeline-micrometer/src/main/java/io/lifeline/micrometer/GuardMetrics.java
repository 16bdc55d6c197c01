package io.lifeline.micrometer;

import io.lifeline.core.Guard;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The meters of one {@link Guard}, for those who pick instead of {@link LifelineMetrics#bindTo}:
 * {@code lifeline.calls}, {@code lifeline.call.duration}, attempts, retries, budget rejections,
 * breaker state and transitions, tagged {@code service} (the guard's name), {@code backend} and
 * {@code tags}. Binding a guard that {@code LifelineMetrics} also binds to the same registry gives
 * the same meters. Thread-safe.
 */
public final class GuardMetrics implements MeterBinder, AutoCloseable {
  private final Guard guard;
  private final Tags tags;
  private final ReentrantLock lock = new ReentrantLock(); // bind time only; no monitor (virtual threads)
  private RegistryBinding binding;

  public GuardMetrics(Guard guard, Iterable<Tag> tags) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.tags = Tags.of(tags);
  }

  public GuardMetrics(Guard guard) {
    this(guard, Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    lock.lock();
    try {
      if (binding != null) {
        binding.close();
      }
      binding = new RegistryBinding(registry, tags);
      binding.describe(sink -> sink.calls(guard, "service", guard.name(), "backend", guard.backend()));
    } finally {
      lock.unlock();
    }
  }

  /** Removes the meters and detaches from the guard. */
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
