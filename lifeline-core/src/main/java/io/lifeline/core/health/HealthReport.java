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
 */
public record HealthReport(
    ServiceStatus overall,
    Map<String, HealthStatus> services,
    SortedSet<String> availableFeatures,
    SortedSet<String> degradedFeatures,
    Instant generatedAt) {

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
      if (s.lastError() != null) {
        sb.append(", last error: ").append(s.lastError());
      }
      sb.append('\n');
    }
    sb.append("  features available: ").append(List.copyOf(availableFeatures)).append('\n');
    sb.append("  features degraded: ").append(List.copyOf(degradedFeatures));
    return sb.toString();
  }
}
