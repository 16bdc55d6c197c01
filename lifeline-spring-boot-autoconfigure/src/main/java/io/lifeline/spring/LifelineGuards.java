package io.lifeline.spring;

import io.lifeline.core.Guard;
import io.lifeline.core.RetryConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The named Guards of the application, built on first use from {@code lifeline.retry.*} with the
 * overrides of {@code lifeline.guards.<name>.*}. {@code @Guarded("name")} methods run through
 * {@link #guard(String)}; inject this bean to use the same Guard programmatically. Thread-safe.
 */
public class LifelineGuards {
  private final LifelineProperties properties;
  private final RetryConfig defaults;
  private final Map<String, Guard> guards = new ConcurrentHashMap<>();

  public LifelineGuards(LifelineProperties properties, RetryConfig defaults) {
    this.properties = properties;
    this.defaults = defaults;
  }

  /** The Guard named {@code name}, one per name. */
  public Guard guard(String name) {
    return guards.computeIfAbsent(name, this::build);
  }

  private Guard build(String name) {
    LifelineProperties.GuardSettings s = properties.getGuards().get(name);
    if (s == null) {
      return Guard.of(name, defaults);
    }
    String prefix = "lifeline.guards." + name;
    RetryConfig config = s.apply(defaults, prefix);
    return Problems.build(prefix, () -> {
      Guard.Builder b = Guard.builder(name).retryConfig(config);
      if (s.getTimeout() != null) {
        b.timeout(s.getTimeout());
      }
      if (s.getAttemptTimeout() != null) {
        b.attemptTimeout(s.getAttemptTimeout());
      }
      return b.build();
    });
  }
}
