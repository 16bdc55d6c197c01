package io.lifeline.console;

import java.util.List;
import java.util.Map;

/**
 * What an application adds to the dashboard: its own counters per backend (shown in a table, and
 * the {@code calls} counter drives the calls-per-second sparkline of the service of the same name)
 * and actions offered as buttons (the demo's chaos controls). Actions are served as {@code POST
 * /actions/<service>/<action>}, need the console's token when one is set and the header {@code
 * X-Lifeline-Action: 1} (a browser sends it cross-site only after a CORS preflight, which the
 * console never grants).
 *
 * <p>Implementations are called on console threads and must be thread-safe.
 */
public interface ConsoleApplication {
  /** A short title for the application panel. */
  String title();

  /** Counters per backend, e.g. {@code redis → {calls: 120, errors: 0, fallbacks: 7}}. */
  Map<String, Map<String, Long>> counters();

  /** Circuit breaker state per service as the application's managers see it (shown on its card). */
  default Map<String, String> breakers() {
    return Map.of();
  }

  /** Actions per service, e.g. {@code redis → [kill, restart, blackhole, latency]}; may be empty. */
  default Map<String, List<String>> actions() {
    return Map.of();
  }

  /**
   * Performs {@code action} on {@code service}; returns a one-line message for the dashboard.
   *
   * @throws IllegalArgumentException for an unknown service or action (answered 404)
   */
  default String perform(String service, String action) {
    throw new IllegalArgumentException("no action " + action + " for " + service);
  }
}
