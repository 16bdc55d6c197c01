package io.lifeline.redis.internal;

import java.time.Duration;

/** Human formatting of durations ({@code 250ms}, {@code 2s}, {@code 1.5s}). Not API. */
public final class Fmt {
  private Fmt() {}

  public static String duration(Duration d) {
    if (d == null) {
      return "null";
    }
    if (d.isNegative() || d.getSeconds() > 1_000_000_000L) {
      return d.toString();
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms == 0 && !d.isZero() ? d.toNanos() / 1000 + "us" : ms + "ms";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
