package io.lifeline.core.health;

import io.lifeline.core.ConfigurationException;

/**
 * The status rules, as a pure function: (state, signal) → state. No clock, no threads; the {@link
 * ConnectionHealthManager} feeds it check results and reported outcomes.
 *
 * <table>
 *   <caption>Transitions (f = consecutive failures, s = consecutive good successes)</caption>
 *   <tr><th>from</th><th>SUCCESS</th><th>SLOW (latency over threshold) / DEGRADED result</th><th>FAILURE</th></tr>
 *   <tr><td>HEALTHY</td><td>HEALTHY</td><td>DEGRADED</td><td>DEGRADED, or UNAVAILABLE once f ≥ unavailableThreshold</td></tr>
 *   <tr><td>DEGRADED</td><td>HEALTHY once s ≥ recoveryThreshold, else DEGRADED</td><td>DEGRADED (s = 0)</td><td>UNAVAILABLE once f ≥ unavailableThreshold, else DEGRADED</td></tr>
 *   <tr><td>UNAVAILABLE</td><td>RECOVERING (s = 1; HEALTHY if recoveryThreshold = 1)</td><td>RECOVERING (s = 0)</td><td>UNAVAILABLE</td></tr>
 *   <tr><td>RECOVERING</td><td>HEALTHY once s ≥ recoveryThreshold</td><td>DEGRADED</td><td>UNAVAILABLE</td></tr>
 * </table>
 *
 * <p>Hysteresis: one failure only degrades a healthy service; it takes {@code unavailableThreshold}
 * in a row to call it down, and {@code recoveryThreshold} good answers in a row to call it healthy
 * again, so a flapping service does not flap its status on every check. Immutable, thread-safe.
 */
public final class StatusMachine {
  /** What one check or call told us. */
  public enum Signal {
    SUCCESS,
    SLOW,
    FAILURE,
    /** The client cannot work at all (an {@link Error} in the driver): UNAVAILABLE at once, from any status. */
    UNUSABLE
  }

  /** Status with its counters. */
  public record State(ServiceStatus status, int consecutiveFailures, int consecutiveSuccesses) {
    public static final State INITIAL = new State(ServiceStatus.HEALTHY, 0, 0);
  }

  private final int unavailableThreshold;
  private final int recoveryThreshold;

  public StatusMachine(int unavailableThreshold, int recoveryThreshold) {
    if (unavailableThreshold < 1 || unavailableThreshold > 1_000) {
      throw new ConfigurationException("unavailableThreshold", unavailableThreshold, "must be between 1 and 1000");
    }
    if (recoveryThreshold < 1 || recoveryThreshold > 1_000) {
      throw new ConfigurationException("recoveryThreshold", recoveryThreshold, "must be between 1 and 1000");
    }
    this.unavailableThreshold = unavailableThreshold;
    this.recoveryThreshold = recoveryThreshold;
  }

  public State next(State s, Signal signal) {
    if (signal == Signal.UNUSABLE) {
      return new State(ServiceStatus.UNAVAILABLE, Math.min(s.consecutiveFailures() + 1, 1_000_000), 0);
    }
    int f = signal == Signal.FAILURE ? Math.min(s.consecutiveFailures() + 1, 1_000_000) : 0;
    int ok = signal == Signal.SUCCESS ? Math.min(s.consecutiveSuccesses() + 1, 1_000_000) : 0;
    switch (s.status()) {
      case HEALTHY:
        if (signal == Signal.SUCCESS) {
          return new State(ServiceStatus.HEALTHY, 0, ok);
        }
        if (signal == Signal.SLOW) {
          return new State(ServiceStatus.DEGRADED, 0, 0);
        }
        return new State(f >= unavailableThreshold ? ServiceStatus.UNAVAILABLE : ServiceStatus.DEGRADED, f, 0);
      case DEGRADED:
        if (signal == Signal.SUCCESS) {
          return new State(ok >= recoveryThreshold ? ServiceStatus.HEALTHY : ServiceStatus.DEGRADED, 0, ok);
        }
        if (signal == Signal.SLOW) {
          return new State(ServiceStatus.DEGRADED, 0, 0);
        }
        return new State(f >= unavailableThreshold ? ServiceStatus.UNAVAILABLE : ServiceStatus.DEGRADED, f, 0);
      case UNAVAILABLE:
        if (signal == Signal.FAILURE) {
          return new State(ServiceStatus.UNAVAILABLE, f, 0);
        }
        if (signal == Signal.SUCCESS && ok >= recoveryThreshold) {
          return new State(ServiceStatus.HEALTHY, 0, ok);
        }
        return new State(ServiceStatus.RECOVERING, 0, ok);
      default: // RECOVERING
        if (signal == Signal.FAILURE) {
          return new State(ServiceStatus.UNAVAILABLE, f, 0);
        }
        if (signal == Signal.SLOW) {
          return new State(ServiceStatus.DEGRADED, 0, 0);
        }
        return new State(ok >= recoveryThreshold ? ServiceStatus.HEALTHY : ServiceStatus.RECOVERING, 0, ok);
    }
  }
}
