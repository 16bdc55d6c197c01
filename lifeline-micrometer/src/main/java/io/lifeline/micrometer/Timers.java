package io.lifeline.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * How Lifeline's timers are built: histogram buckets for PromQL's {@code histogram_quantile} at
 * {@link #BUCKETS} (16 boundaries from 250 µs to 30 s; Micrometer's default percentile histogram
 * over that range has ~3× as many, which made a 100-guard scrape several times slower). A {@code
 * MeterFilter} with a {@code DistributionStatisticConfig} changes them like for any Micrometer timer.
 */
final class Timers {
  private Timers() {}

  static final Duration[] BUCKETS = {
      Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30)};

  static Timer timer(MeterRegistry registry, String name, String description, Tags tags) {
    return Timer.builder(name).description(description).tags(tags)
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }
}
