package io.lifeline.core;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated reads of string settings — environment variables, system properties, a parsed
 * file — under a key prefix. Every read of a present value either returns a parsed value or throws a
 * {@link ConfigurationException} naming the full key, the value and what is allowed; unparsable values
 * are never silently ignored. Absent (or blank) keys yield the caller's default.
 *
 * <p>Durations accept a bare number of seconds ({@code 1.5}, as in the design documents' {@code
 * GRAPHITI_RETRY_DELAY=1.0}), a number with a unit ({@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h},
 * {@code 1d}) or ISO-8601 ({@code PT30S}). Booleans accept {@code true/false, yes/no, on/off, 1/0}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Settings {
  private static final Pattern DURATION =
      Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)\\s*(ns|us|ms|s|m|h|d)?$", Pattern.CASE_INSENSITIVE);

  private final Map<String, String> values;
  private final String prefix;

  private Settings(Map<String, String> values, String prefix) {
    this.values = values;
    this.prefix = prefix;
  }

  /** Settings over the process environment. */
  public static Settings fromEnv() {
    return new Settings(System.getenv(), "");
  }

  /** Settings over a map (copied). */
  public static Settings of(Map<String, String> values) {
    return new Settings(Map.copyOf(values), "");
  }

  /** A view whose keys are looked up as {@code prefix + key}, e.g. {@code GRAPHITI_} + {@code MAX_RETRIES}. */
  public Settings withPrefix(String prefix) {
    return new Settings(values, this.prefix + Objects.requireNonNull(prefix, "prefix"));
  }

  /** The prefix in force, possibly empty. */
  public String prefix() {
    return prefix;
  }

  /** The full key for {@code key}: the prefix plus the key. */
  public String fullKey(String key) {
    return prefix + key;
  }

  /** True when the key is present with a non-blank value. */
  public boolean has(String key) {
    return raw(key).isPresent();
  }

  /** The trimmed raw value, if present and not blank. */
  public Optional<String> raw(String key) {
    String v = values.get(prefix + key);
    if (v == null || v.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(v.trim());
  }

  public Optional<String> string(String key) {
    return raw(key);
  }

  public Optional<Integer> integer(String key) {
    return raw(key).map(v -> parseInt(fullKey(key), v));
  }

  public Optional<Long> longValue(String key) {
    return raw(key).map(v -> parseLong(fullKey(key), v));
  }

  public Optional<Double> decimal(String key) {
    return raw(key).map(v -> parseDouble(fullKey(key), v));
  }

  public Optional<Boolean> bool(String key) {
    return raw(key).map(v -> parseBoolean(fullKey(key), v));
  }

  public Optional<Duration> duration(String key) {
    return raw(key).map(v -> parseDuration(fullKey(key), v));
  }

  /** Parses an int; the error names {@code key}. */
  public static int parseInt(String key, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new ConfigurationException(key, value, "must be a whole number between "
          + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
    }
  }

  /** Parses a long ({@code _} separators allowed: {@code 64_000_000}); the error names {@code key}. */
  public static long parseLong(String key, String value) {
    try {
      return Long.parseLong(value.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ConfigurationException(key, value, "must be a whole number");
    }
  }

  /** Parses a finite double; the error names {@code key}. */
  public static double parseDouble(String key, String value) {
    try {
      double d = Double.parseDouble(value.trim());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new ConfigurationException(key, value, "must be a finite number");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new ConfigurationException(key, value, "must be a number");
    }
  }

  /** Parses {@code true/false, yes/no, on/off, 1/0}; the error names {@code key}. */
  public static boolean parseBoolean(String key, String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
      case "yes":
      case "on":
      case "1":
        return true;
      case "false":
      case "no":
      case "off":
      case "0":
        return false;
      default:
        throw new ConfigurationException(key, value, "must be one of true/false, yes/no, on/off, 1/0");
    }
  }

  /**
   * Parses a non-negative duration: seconds as a bare number, a number with a unit (ns, us, ms, s, m,
   * h, d) or ISO-8601. The error names {@code key}. Never throws anything but {@link
   * ConfigurationException}: values beyond {@link Duration}'s range are rejected here, values beyond
   * a key's own maximum by the config that reads it ({@link Validation#duration}).
   */
  public static Duration parseDuration(String key, String value) {
    String v = value.trim();
    Duration d;
    if (v.length() > 1 && (v.charAt(0) == 'P' || v.charAt(0) == 'p')) {
      try {
        d = Duration.parse(v);
      } catch (DateTimeParseException | ArithmeticException e) {
        // DateTimeParseException echoes the input: not chained (the value is in our message anyway)
        throw new ConfigurationException(key, value, durationHelp()
            + (e.getCause() instanceof ArithmeticException ? " (too large)" : ""));
      }
    } else {
      Matcher m = DURATION.matcher(v);
      if (!m.matches()) {
        throw new ConfigurationException(key, value, durationHelp());
      }
      double amount = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
      double nanosPerUnit;
      switch (unit) {
        case "ns": nanosPerUnit = 1; break;
        case "us": nanosPerUnit = 1e3; break;
        case "ms": nanosPerUnit = 1e6; break;
        case "s": nanosPerUnit = 1e9; break;
        case "m": nanosPerUnit = 60e9; break;
        case "h": nanosPerUnit = 3600e9; break;
        default: nanosPerUnit = 86400e9; break;
      }
      double nanos = amount * nanosPerUnit;
      if (nanos > Long.MAX_VALUE) {
        throw new ConfigurationException(key, value, "must be at most " + Long.MAX_VALUE + "ns");
      }
      d = Duration.ofNanos(Math.round(nanos));
    }
    if (d.isNegative()) {
      throw new ConfigurationException(key, value, "must not be negative");
    }
    return d;
  }

  private static String durationHelp() {
    return "must be a duration: seconds (1.5), a number with a unit (250ms, 2s, 5m, 1h) or ISO-8601 (PT30S)";
  }

  @Override
  public String toString() {
    return "Settings[prefix=" + prefix + ", keys=" + values.size() + "]";
  }
}
