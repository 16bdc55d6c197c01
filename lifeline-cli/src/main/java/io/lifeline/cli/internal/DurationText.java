package io.lifeline.cli.internal;

import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as written in the YAML file: a whole number and a unit, {@code 500ms 30s 5m 2h 1d}. */
public final class DurationText {
  public static final String FORMAT = "a whole number with a unit: ms, s, m, h or d (e.g. 500ms, 30s, 5m)";
  private static final Pattern TEXT = Pattern.compile("\\s*(-?\\d+)\\s*(ms|s|m|h|d)\\s*");
  /** Longer than any bound a setting has; bigger values are "too large", without overflow. */
  private static final BigInteger MAX_MILLIS = BigInteger.valueOf(Duration.ofDays(365_000).toMillis());

  private DurationText() {}

  /** The duration, or null when {@code text} is not one ({@link #FORMAT}). */
  public static Duration parse(String text) {
    Matcher m = TEXT.matcher(text);
    if (!m.matches()) {
      return null;
    }
    BigInteger n = new BigInteger(m.group(1));
    long unitMillis;
    switch (m.group(2)) {
      case "ms":
        unitMillis = 1;
        break;
      case "s":
        unitMillis = 1_000;
        break;
      case "m":
        unitMillis = 60_000;
        break;
      case "h":
        unitMillis = 3_600_000;
        break;
      default:
        unitMillis = 86_400_000;
    }
    BigInteger millis = n.multiply(BigInteger.valueOf(unitMillis));
    if (millis.abs().compareTo(MAX_MILLIS) > 0) {
      return millis.signum() > 0 ? Duration.ofSeconds(Long.MAX_VALUE) : Duration.ofSeconds(Long.MIN_VALUE);
    }
    return Duration.ofMillis(millis.longValueExact());
  }
}
