package io.lifeline.core.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Everything known about one service (design document 004's {@code HealthStatus}). Immutable; simple
 * types only, so it serializes to clean JSON as is. {@code lastError} is sanitized.
 *
 * @param lastCheck when the last check or reported outcome was recorded (null before the first)
 * @param lastSuccess when the service last answered (null if never)
 * @param responseTime latency of the last check (null before the first)
 * @param successRate successful checks / total checks (0.0 before the first)
 * @param nextCheckAt when the next scheduled check is due (null when not monitoring)
 * @param checksNotStarted rounds whose check could not start within the check timeout because every
 *     check thread was busy: a scheduling problem of the manager, not counted in {@code totalChecks}
 *     or as failures; the check is retried next round
 * @param checkStuck a check of this service overran its timeout and has not returned yet; until it
 *     does, no new check is started and each round counts as a failure ("still stuck")
 */
public record HealthStatus(
    String service,
    ServiceType type,
    ServiceStatus status,
    Instant lastCheck,
    Instant lastSuccess,
    Duration responseTime,
    int consecutiveFailures,
    long totalChecks,
    double successRate,
    String lastError,
    Instant nextCheckAt,
    long checksNotStarted,
    boolean checkStuck,
    Map<String, Object> details) {

  public HealthStatus {
    details = details == null ? Map.of() : Map.copyOf(details);
  }
}
