package io.lifeline.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** How Lifeline's timers are built: a percentile histogram (usable in PromQL) from 100 µs to 30 s. */
final class Timers {
  private Timers() {}

  static final Duration MIN = Duration.ofNanos(100_000);
  static final Duration MAX = Duration.ofSeconds(30);

  static Timer timer(MeterRegistry registry, String name, String description, Tags tags) {
    return Timer.builder(name).description(description).tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN)
        .maximumExpectedValue(MAX)
        .register(registry);
  }
}
