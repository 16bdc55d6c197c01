package io.lifeline.cli;

import io.lifeline.cli.internal.LibraryConfigs;
import io.lifeline.core.health.ConnectionHealthManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A health manager watching the configured services through their managers' own health checks; what
 * {@code check} runs once and {@code serve} runs until stopped. Closing it closes the health manager
 * and every manager it opened.
 */
public final class Monitor implements AutoCloseable {
  private final ConnectionHealthManager health;
  private final List<AutoCloseable> resources;

  private Monitor(ConnectionHealthManager health, List<AutoCloseable> resources) {
    this.health = health;
    this.resources = resources;
  }

  /**
   * Opens a manager per service and registers its check with a health manager built from {@code
   * config.health()}; {@code once} lowers both thresholds to 1, so a single check decides (for
   * {@code check}). Not started.
   */
  public static Monitor open(LifelineConfig config, List<LifelineConfig.Service> services, boolean once) {
    LifelineConfig.Health h = config.health();
    // a down service is checked again after one interval, backing off to at most ten (the
    // library's default backoff starts at 1 s and caps at 60 s whatever the interval)
    Duration cap = h.interval().multipliedBy(10);
    io.lifeline.core.RetryConfig backoff = io.lifeline.core.RetryConfig.builder()
        .baseDelay(h.interval()).maxDelay(cap.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : cap).build();
    ConnectionHealthManager health = ConnectionHealthManager.builder()
        .retryConfig(backoff)
        .checkInterval(h.interval())
        .checkTimeout(h.timeout())
        .latencyThreshold(h.latencyThreshold())
        .unavailableThreshold(once ? 1 : h.unavailableThreshold())
        .recoveryThreshold(once ? 1 : h.recoveryThreshold())
        .build();
    List<AutoCloseable> resources = new ArrayList<>();
    Monitor m = new Monitor(health, resources);
    try {
      for (LifelineConfig.Service s : services) {
        LibraryConfigs.Probe p = LibraryConfigs.open(s);
        resources.add(p.resource());
        health.register(s.name(), s.type().healthType(), p.check(), s.features());
      }
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  public ConnectionHealthManager health() {
    return health;
  }

  @Override
  public void close() {
    health.close();
    for (AutoCloseable r : resources) {
      LibraryConfigs.closeQuietly(r, r::toString);
    }
  }
}
