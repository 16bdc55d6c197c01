package io.lifeline.core.internal;

import java.time.Duration;

/**
 * Formatting of durations for humans: {@code 250ms}, {@code 1.5s}, {@code 5m}, {@code 1h}, {@code 1d}.
 * Never throws (no {@code toMillis} overflow: huge and negative values are shown in ISO-8601). Not API.
 */
public final class Durations {
  private Durations() {}

  /** {@code d} for messages; {@code "null"} for null. */
  public static String format(Duration d) {
    if (d == null) {
      return "null";
    }
    if (d.isNegative() || d.getSeconds() > 1_000_000_000L) {
      return d.toString(); // ISO-8601, and no overflow for absurd values
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms == 0 && !d.isZero() ? d.toNanos() / 1000 + "us" : ms + "ms";
    }
    if (ms % 1000 == 0 && ms < 60_000) {
      return ms / 1000 + "s";
    }
    if (ms < 60_000) {
      return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
