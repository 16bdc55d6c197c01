package io.lifeline.core.health;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * A snapshot of every service and feature. Immutable; records of simple types (serializes to JSON
 * with Jackson without custom code).
 *
 * @param overall HEALTHY when every service is; UNAVAILABLE when every service is UNAVAILABLE;
 *     otherwise the worst of DEGRADED (something is impaired) — HEALTHY when nothing is registered
 * @param checkThreads the manager's check threads: how many, how many are abandoned to stuck
 *     checks, and how many checks could not start for want of a thread
 */
public record HealthReport(
    ServiceStatus overall,
    Map<String, HealthStatus> services,
    SortedSet<String> availableFeatures,
    SortedSet<String> degradedFeatures,
    CheckThreads checkThreads,
    Instant generatedAt) {

  /**
   * The manager's check threads.
   *
   * @param threads threads that run checks ({@code maxConcurrentChecks})
   * @param abandoned threads given up to checks that overran their timeout and have not returned;
   *     they are replaced, so they do not count against {@code threads}
   * @param maxAbandoned the bound on {@code abandoned} ({@code maxAbandonedChecks})
   * @param checksNotStarted checks that found no free thread within their timeout, since the manager
   *     was built (retried next round; not counted as failures)
   */
  public record CheckThreads(int threads, int abandoned, int maxAbandoned, long checksNotStarted) {}

  public HealthReport {
    services = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(services));
    availableFeatures = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(availableFeatures));
    degradedFeatures = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(degradedFeatures));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(256);
    sb.append("Health ").append(overall).append(" at ").append(generatedAt).append('\n');
    for (HealthStatus s : services.values()) {
      sb.append("  ").append(s.service()).append(" (").append(s.type()).append("): ").append(s.status());
      if (s.responseTime() != null) {
        sb.append(", ").append(s.responseTime().toMillis()).append("ms");
      }
      sb.append(", checks=").append(s.totalChecks());
      if (s.consecutiveFailures() > 0) {
        sb.append(", failing ").append(s.consecutiveFailures()).append("x");
      }
      if (s.checkStuck()) {
        sb.append(", check stuck");
      }
      if (s.checksNotStarted() > 0) {
        sb.append(", not started ").append(s.checksNotStarted()).append("x (check threads busy)");
      }
      if (s.lastError() != null) {
        sb.append(", last error: ").append(s.lastError());
      }
      sb.append('\n');
    }
    sb.append("  features available: ").append(List.copyOf(availableFeatures)).append('\n');
    sb.append("  features degraded: ").append(List.copyOf(degradedFeatures));
    if (checkThreads != null) {
      sb.append("\n  check threads: ").append(checkThreads.threads()).append(", abandoned to stuck checks: ")
          .append(checkThreads.abandoned()).append(" of at most ").append(checkThreads.maxAbandoned())
          .append(", checks not started (threads busy): ").append(checkThreads.checksNotStarted());
    }
    return sb.toString();
  }
}
