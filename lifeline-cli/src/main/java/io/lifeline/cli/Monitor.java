package io.lifeline.cli;

import io.lifeline.cli.internal.LibraryConfigs;
import io.lifeline.core.health.ConnectionHealthManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A health manager watching the configured services through their managers' own health checks; what
 * {@code check} runs once and {@code serve} runs until stopped. Closing it closes the health manager
 * and every manager it opened.
 */
public final class Monitor implements AutoCloseable {
  private final ConnectionHealthManager health;
  /** Service name → its manager; guarded by {@link #lock} (hot reload adds and removes). */
  private final Map<String, AutoCloseable> resources = new LinkedHashMap<>();
  private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

  private Monitor(ConnectionHealthManager health) {
    this.health = health;
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
    Monitor m = new Monitor(health);
    try {
      for (LifelineConfig.Service s : services) {
        m.add(s);
      }
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  /**
   * Opens a manager for {@code s} and registers its check (replacing a service of that name: its
   * manager is closed after the new one is registered). A check of the old one still running
   * finishes on its own; its result is no longer recorded.
   */
  public void add(LifelineConfig.Service s) {
    LibraryConfigs.Probe p = LibraryConfigs.open(s);
    AutoCloseable old;
    lock.lock();
    try {
      health.register(s.name(), s.type().healthType(), p.check(), s.features());
      old = resources.put(s.name(), p.resource());
    } finally {
      lock.unlock();
    }
    if (old != null) {
      LibraryConfigs.closeQuietly(old, old::toString);
    }
  }

  /** Unregisters {@code name} and closes its manager; false if there was none. */
  public boolean remove(String name) {
    AutoCloseable old;
    lock.lock();
    try {
      health.unregister(name);
      old = resources.remove(name);
    } finally {
      lock.unlock();
    }
    if (old != null) {
      LibraryConfigs.closeQuietly(old, old::toString);
    }
    return old != null;
  }

  public ConnectionHealthManager health() {
    return health;
  }

  @Override
  public void close() {
    health.close();
    List<AutoCloseable> all;
    lock.lock();
    try {
      all = List.copyOf(resources.values());
      resources.clear();
    } finally {
      lock.unlock();
    }
    for (AutoCloseable r : all) {
      LibraryConfigs.closeQuietly(r, r::toString);
    }
  }
}
