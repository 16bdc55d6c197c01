package io.lifeline.core.health;

import io.lifeline.core.Secrets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What one health check found: {@link Outcome#UP}, {@link Outcome#DEGRADED} (answering but
 * impaired, e.g. a replica lagging) or {@link Outcome#DOWN}, with details such as server version or
 * pool counts. {@code latency} is filled in by the manager when the check leaves it null. Error texts
 * are sanitized on construction. Immutable.
 */
public record CheckResult(Outcome outcome, Duration latency, String error, Map<String, Object> details) {

  /** The three outcomes of a check. */
  public enum Outcome {
    UP,
    DEGRADED,
    DOWN
  }

  public CheckResult {
    Objects.requireNonNull(outcome, "outcome");
    details = details == null ? Map.of() : Map.copyOf(details);
    error = error == null ? null : Secrets.redact(error);
  }

  public static CheckResult up() {
    return new CheckResult(Outcome.UP, null, null, Map.of());
  }

  public static CheckResult up(Map<String, Object> details) {
    return new CheckResult(Outcome.UP, null, null, details);
  }

  public static CheckResult degraded(String why) {
    return new CheckResult(Outcome.DEGRADED, null, why, Map.of());
  }

  public static CheckResult down(String why) {
    return new CheckResult(Outcome.DOWN, null, why, Map.of());
  }

  /** A DOWN result describing {@code error} (sanitized). */
  public static CheckResult down(Throwable error) {
    return new CheckResult(Outcome.DOWN, null, Secrets.describe(error), Map.of());
  }

  /** This result with {@code latency}, unless it already has one. */
  public CheckResult withLatencyIfAbsent(Duration measured) {
    return latency != null ? this : new CheckResult(outcome, measured, error, details);
  }
}
