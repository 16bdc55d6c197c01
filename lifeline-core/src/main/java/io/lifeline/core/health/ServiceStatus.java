package io.lifeline.core.health;

/**
 * Health of one service, as decided by {@link StatusMachine} from check results and reported
 * outcomes. See {@link StatusMachine} for the transition rules.
 */
public enum ServiceStatus {
  /** Answering, fast enough. */
  HEALTHY,
  /** Answering but slow, or failing intermittently: its features still count as available. */
  DEGRADED,
  /** Down: {@code unavailableThreshold} consecutive failures. Its features are unavailable. */
  UNAVAILABLE,
  /** Was down and answers again, but has not yet proved it for {@code recoveryThreshold} checks. */
  RECOVERING;

  /** True for HEALTHY and DEGRADED: the statuses under which a service's features are available. */
  public boolean isUsable() {
    return this == HEALTHY || this == DEGRADED;
  }
}
