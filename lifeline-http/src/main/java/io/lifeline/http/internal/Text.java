package io.lifeline.http.internal;

import java.time.Duration;

/** Small text helpers. */
public final class Text {
  private Text() {}

  /** {@code 250ms}, {@code 1.5s}, {@code 30s}, {@code 2m}: short and exact enough for messages. */
  public static String format(Duration d) {
    if (d == null) {
      return "null";
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms == 0 && !d.isZero() ? d.toNanos() / 1000 + "us" : ms + "ms";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return (ms / 1000) + "." + String.format("%03d", ms % 1000).replaceAll("0+$", "") + "s";
  }
}
